// The fault schedule of the chaos phase: at random times, one fault of the scenario's mix
// strikes (partitions, one-way links, flapping links, crashes and restarts). All choices
// come from the run's generator, so the seed replays them exactly.
import { pick, type Random } from "../util/prng.ts";
import type { NodeId, VirtualCluster } from "./cluster.ts";
import type { Network } from "./network.ts";
import type { FaultKind, Scenario } from "./scenario.ts";

/** How often a reactive fault may strike at most (ms), so the cluster gets to recover. */
const REACT_GAP = 300;

export class FaultSchedule {
  private flapping = false;
  private reactiveUntil = 0;
  private lastReaction = Number.NEGATIVE_INFINITY;
  /** The leader's term, log end and commit index as last seen by react(). */
  private seen = { term: -1, last: 0, commit: 0 };

  constructor(
    private readonly cluster: VirtualCluster,
    private readonly network: Network,
    private readonly scenario: Scenario,
    private readonly random: Random,
    private readonly log: (line: string) => void,
  ) {}

  /** Schedules faults from `from` until `until`. */
  start(from: number, until: number): void {
    const next = (at: number): void => {
      if (at >= until) return;
      this.cluster.at(at, () => {
        this.strike(pick(this.random, this.scenario.faults), until);
        next(this.cluster.now + this.gap());
      });
    };
    next(from + this.gap());
  }

  /**
   * Reactive faults, for the churn mix: strike at the moments that matter instead of at
   * random times. A leader that just appended is cut off (its entries stay unreplicated);
   * a leader that just advanced its commit index is crashed (its newest entries reached
   * only some followers). Together they make the Raft Figure 8 shape.
   */
  enableReactive(until: number): void {
    this.reactiveUntil = until;
  }

  /** Call after every event. Cheap when nothing changed. */
  react(): void {
    const now = this.cluster.now;
    if (now >= this.reactiveUntil || now - this.lastReaction < REACT_GAP) return;
    const leader = this.cluster.leaders()[0];
    if (leader === undefined) return;
    const raft = leader.raft;
    const seen = this.seen;
    const fresh = raft.term !== seen.term; // a new leader has just appended its no-op
    const appended = fresh || raft.log.lastIndex > seen.last;
    const committed = !fresh && raft.commitIndex > seen.commit;
    seen.term = raft.term;
    seen.last = raft.log.lastIndex;
    seen.commit = raft.commitIndex;
    if (appended && this.random() < (fresh ? 0.3 : 0.15)) {
      this.lastReaction = now;
      this.network.separate([leader.id], this.cluster.ids.filter((id) => id !== leader.id));
      this.log(`isolate ${leader.id} right after it appended ${raft.log.lastIndex}`);
    } else if (committed && this.random() < 0.1) {
      this.lastReaction = now;
      this.log(`crash ${leader.id} right after it committed ${raft.commitIndex}`);
      this.crash(leader.id);
    }
  }

  /** Ends the chaos: every link back, every replica up. */
  healAll(): void {
    this.flapping = false;
    this.network.heal();
    for (const id of this.cluster.ids) this.cluster.restart(id);
    this.log("heal all, restart all");
  }

  private gap(): number {
    return -Math.log(1 - this.random()) * this.scenario.faultEvery;
  }

  private strike(kind: FaultKind, until: number): void {
    const cluster = this.cluster;
    const ids = cluster.ids;
    const leader = this.leader();
    switch (kind) {
      case "split": {
        const [minority, majority] = this.splitAround(undefined);
        this.network.separate(minority, majority);
        this.log(`partition ${minority.join(",")} | ${majority.join(",")}`);
        return;
      }
      case "split-leader": {
        const [minority, majority] = this.splitAround(leader);
        this.network.separate(minority, majority);
        this.log(`partition (leader in minority) ${minority.join(",")} | ${majority.join(",")}`);
        return;
      }
      case "isolate-leader": {
        const target = leader ?? pick(this.random, ids);
        this.network.separate([target], ids.filter((id) => id !== target));
        this.log(`isolate ${target}`);
        return;
      }
      case "one-way": {
        // Either the leader cannot hear its followers, or some followers cannot hear it.
        const hub = leader ?? pick(this.random, ids);
        const others = this.shuffled(ids.filter((id) => id !== hub)).slice(0, 1 + Math.floor(this.random() * (ids.length - 1)));
        const inbound = this.random() < 0.5;
        for (const other of others) {
          if (inbound) this.network.cut(other, hub);
          else this.network.cut(hub, other);
        }
        this.log(`one-way cut ${inbound ? `${others.join(",")} -> ${hub}` : `${hub} -> ${others.join(",")}`}`);
        return;
      }
      case "flap":
        this.flap(until);
        return;
      case "crash-leader":
        if (leader !== undefined) this.crash(leader);
        return;
      case "crash-follower": {
        const followers = ids.filter((id) => id !== leader && !cluster.isCrashed(id));
        if (followers.length > 0) this.crash(pick(this.random, followers));
        return;
      }
      case "restart": {
        const down = ids.filter((id) => cluster.isCrashed(id));
        if (down.length > 0) cluster.restart(pick(this.random, down));
        return;
      }
      case "heal":
        this.network.heal();
        this.log("heal links");
    }
  }

  /** Crashes `id` unless a majority would then be down (then the oldest crash restarts first). */
  private crash(id: NodeId): void {
    const down = this.cluster.ids.filter((other) => this.cluster.isCrashed(other));
    if (down.length + 1 > (this.cluster.ids.length - 1) / 2) this.cluster.restart(down[0]!);
    this.cluster.crash(id);
  }

  /** Two sides, a strict minority (holding `member` if given) and the rest. */
  private splitAround(member: NodeId | undefined): [NodeId[], NodeId[]] {
    const ids = this.shuffled(this.cluster.ids.filter((id) => id !== member));
    const minoritySize = 1 + Math.floor(this.random() * Math.floor((this.cluster.ids.length - 1) / 2));
    const minority = member === undefined ? ids.slice(0, minoritySize) : [member, ...ids.slice(0, minoritySize - 1)];
    const majority = this.cluster.ids.filter((id) => !minority.includes(id));
    return [minority, majority];
  }

  /** A random link set goes down and up every few hundred ms until the chaos ends. */
  private flap(until: number): void {
    if (this.flapping) return;
    this.flapping = true;
    const ids = this.cluster.ids;
    const a = pick(this.random, ids);
    const b = pick(this.random, ids.filter((id) => id !== a));
    this.log(`flapping ${a} <-> ${b}`);
    let down = false;
    const toggle = (): void => {
      if (!this.flapping || this.cluster.now >= until) return;
      down = !down;
      if (down) this.network.separate([a], [b]);
      else this.network.join(a, b);
      this.cluster.at(this.cluster.now + 50 + this.random() * 400, toggle);
    };
    toggle();
  }

  private leader(): NodeId | undefined {
    return this.cluster.leaders()[0]?.id;
  }

  private shuffled(items: NodeId[]): NodeId[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.random() * (i + 1));
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  }
}
