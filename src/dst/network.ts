// The adversarial network of a simulation run: per-delivery drops, delays (and so
// reordering), duplicates, and directed cuts between replicas. Fault schedules change it
// while the run goes; the cluster asks it about every delivery through `policy`.
import type { Random } from "../util/prng.ts";
import type { LinkPolicy, NodeId } from "./cluster.ts";

export interface NetworkParams {
  /** Probability that a replica-bound delivery is lost. */
  drop: number;
  /** Probability that a peer message is delivered twice (or more). */
  duplicate: number;
  /** Delays are uniform in [delayMin, delayMax) ms ... */
  delayMin: number;
  delayMax: number;
  /** ... except, with this probability, a long one up to `spikeMax` (reorders heavily). */
  spike: number;
  spikeMax: number;
}

export const CALM: NetworkParams = { drop: 0, duplicate: 0, delayMin: 0.5, delayMax: 2, spike: 0, spikeMax: 0 };

export class Network {
  params: NetworkParams;
  /** Directed cuts "from>to" between replicas; clients are never cut off (SPEC §3.4). */
  private readonly cuts = new Set<string>();
  private readonly replicas: ReadonlySet<NodeId>;

  constructor(replicas: readonly NodeId[], params: NetworkParams) {
    this.replicas = new Set(replicas);
    this.params = params;
  }

  readonly policy: LinkPolicy = (from, to, message, random) => {
    if (this.cuts.has(`${from}>${to}`)) return undefined;
    const p = this.params;
    if (random() < p.drop) return undefined;
    const first = this.delay(random);
    // Client requests are never duplicated: the course simulator does not, and a replica
    // forgets the MIDs it has seen when it restarts.
    const peer = this.replicas.has(from) && message.type !== "ok" && message.type !== "redirect" && message.type !== "fail";
    if (!peer || p.duplicate === 0 || random() >= p.duplicate) return first;
    const copies = [first, this.delay(random)];
    if (random() < p.duplicate) copies.push(this.delay(random));
    return copies;
  };

  isCut(from: NodeId, to: NodeId): boolean {
    return this.cuts.has(`${from}>${to}`);
  }

  cut(from: NodeId, to: NodeId): void {
    this.cuts.add(`${from}>${to}`);
  }

  /** Cuts both directions between every member of `a` and every member of `b`. */
  separate(a: readonly NodeId[], b: readonly NodeId[]): void {
    for (const x of a) {
      for (const y of b) {
        this.cut(x, y);
        this.cut(y, x);
      }
    }
  }

  /** Restores both directions between `a` and `b`. */
  join(a: NodeId, b: NodeId): void {
    this.cuts.delete(`${a}>${b}`);
    this.cuts.delete(`${b}>${a}`);
  }

  heal(): void {
    this.cuts.clear();
  }

  get cutCount(): number {
    return this.cuts.size;
  }

  private delay(random: Random): number {
    const p = this.params;
    if (p.spike > 0 && random() < p.spike) return p.delayMin + random() * p.spikeMax;
    return p.delayMin + random() * (p.delayMax - p.delayMin);
  }
}
