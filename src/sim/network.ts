// Routing and counting of replica packets (SPEC §3.4), and the partitions (§3.7). Pure
// apart from the drop stream, so that counting is unit-tested without any process.
import { BROADCAST, UNKNOWN_LEADER } from "./ids.ts";
import type { Rng } from "./prng.ts";

export interface Routing {
  /** Replicas that get a copy. */
  deliver: string[];
  /** What the packet adds to total_msgs: 1 to a replica, n-1 for a broadcast. */
  counted: number;
  dropped: number;
}

export class Network {
  /** The majority side while a partition holds; null when the network is whole. */
  partition: ReadonlySet<string> | null = null;

  constructor(
    readonly replicas: readonly string[],
    readonly drops: number,
    private readonly rng: Rng,
  ) {}

  /** Classic rule: two replicas talk when both or neither are on the majority side. */
  connected(a: string, b: string): boolean {
    if (!this.partition) return true;
    return this.partition.has(a) === this.partition.has(b);
  }

  /** Routes a packet whose dst is a replica or FFFF; the drop draw happens only when the partition lets it through. */
  route(src: string, dst: string): Routing {
    if (dst === BROADCAST) {
      const result: Routing = { deliver: [], counted: this.replicas.length - 1, dropped: 0 };
      for (const rid of this.replicas) {
        if (rid === src) continue;
        if (this.passes(src, rid)) result.deliver.push(rid);
        else result.dropped++;
      }
      return result;
    }
    return this.passes(src, dst) ? { deliver: [dst], counted: 1, dropped: 0 } : { deliver: [], counted: 1, dropped: 1 };
  }

  private passes(src: string, dst: string): boolean {
    return this.connected(src, dst) && this.rng.next() >= this.drops;
  }

  /**
   * A majority of n/2+1 replicas. With `leader` known, it is on the majority side
   * (part_easy); otherwise the majority is random (part_hard, or part_easy before any
   * leader is known). Every replica is eligible, dead ones too, as in the classic.
   */
  static majority(replicas: readonly string[], leader: string | undefined, rng: Rng): Set<string> {
    const size = Math.floor(replicas.length / 2) + 1;
    const chosen = new Set<string>();
    const rest = [...replicas];
    if (leader !== undefined && leader !== UNKNOWN_LEADER && rest.includes(leader)) {
      chosen.add(leader);
      rest.splice(rest.indexOf(leader), 1);
    }
    while (chosen.size < size) {
      const i = rng.int(rest.length);
      chosen.add(rest[i]!);
      rest.splice(i, 1);
    }
    return chosen;
  }
}
