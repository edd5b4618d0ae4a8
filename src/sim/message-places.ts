// Where a run's replica-to-replica messages went, by kind: within the whole network, within
// either side of a partition, across the cut (lost, always), or to a killed replica (lost
// too). `bun run replay --where` prints it, a mean over the seeds; every pass that asked
// where advanced-4's or advanced-2's messages go wrote a throwaway script for this.
import type { NodeId, RaftMessage } from "../raft/types.ts";
import { BROADCAST } from "./ids.ts";
import type { Network } from "./network.ts";
import { formatColumns } from "./summary.ts";

export const PLACES = ["whole", "majority side", "minority side", "across from majority", "across from minority", "to a killed one"] as const;
export type Place = (typeof PLACES)[number];

/** What the network looked like when a message was sent (a Simulation is one). */
export interface NetworkView {
  readonly network: Pick<Network, "partition" | "connected">;
  readonly living: ReadonlySet<string>;
}

export function placeOf(src: NodeId, dst: NodeId, view: NetworkView): Place {
  if (!view.living.has(dst)) return "to a killed one";
  const { network } = view;
  if (network.partition === null) return "whole";
  const fromMajority = network.partition.has(src);
  if (!network.connected(src, dst)) return fromMajority ? "across from majority" : "across from minority";
  return fromMajority ? "majority side" : "minority side";
}

/** A message's kind, finer than its type: how an append travels and whether it carries entries. */
export function kindOf(message: RaftMessage): string {
  switch (message.type) {
    case "append": {
      const route = message.relay !== undefined ? "relayed" : message.relayTo !== undefined ? "chain" : "direct";
      return `append ${route}${message.entries.length > 0 ? "" : ", empty"}`;
    }
    case "appended":
      return `appended${message.relay !== undefined ? " for a chain" : ""}${message.success ? "" : ", refused"}`;
    case "vote":
      return message.pre ? "pre-vote" : "vote";
    case "voted":
      return `${message.pre ? "pre-vote" : "vote"} answer${message.granted ? "" : ", refused"}`;
  }
}

function sum(values: Iterable<number>): number {
  let total = 0;
  for (const n of values) total += n;
  return total;
}

/** Counts by kind and place, over any number of runs. */
export class MessagePlaces {
  private readonly counts = new Map<string, Map<Place, number>>();

  /** One message as the simulator counts it: a broadcast counts once for each other replica. */
  add(src: NodeId, message: RaftMessage, replicas: readonly NodeId[], view: NetworkView): void {
    const kind = kindOf(message);
    if (message.dst !== BROADCAST) return this.count(kind, placeOf(src, message.dst, view));
    for (const dst of replicas) if (dst !== src) this.count(kind, placeOf(src, dst, view));
  }

  private count(kind: string, place: Place): void {
    let byPlace = this.counts.get(kind);
    if (byPlace === undefined) this.counts.set(kind, (byPlace = new Map()));
    byPlace.set(place, (byPlace.get(place) ?? 0) + 1);
  }

  /** Messages of one place (every place without one), of every kind. */
  total(place?: Place): number {
    let total = 0;
    for (const byPlace of this.counts.values()) total += place === undefined ? sum(byPlace.values()) : (byPlace.get(place) ?? 0);
    return total;
  }

  /** Means per run: a row per kind, a column per place that saw any message, totals last. */
  format(runs: number): string {
    const places = PLACES.filter((place) => this.total(place) > 0);
    const perRun = (n: number) => (n / Math.max(1, runs)).toFixed(1);
    const kinds = [...this.counts.keys()].sort();
    const body = kinds.map((kind) => {
      const byPlace = this.counts.get(kind)!;
      return [kind, ...places.map((place) => perRun(byPlace.get(place) ?? 0)), perRun(sum(byPlace.values()))];
    });
    body.push(["total", ...places.map((place) => perRun(this.total(place))), perRun(this.total())]);
    return formatColumns(["kind (a run)", ...places, "all"], body).join("\n");
  }
}
