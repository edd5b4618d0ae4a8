// Bookkeeping for client requests at one replica: which are waiting and on what, and
// which MIDs were answered (exactly one reply per MID, ever).
import { BoundedSet } from "../util/bounded-set.ts";
import type { ClientRequest, GetRequest, PutRequest } from "../wire/messages.ts";

/** A put appended to the log, waiting for its entry to be applied (or lost). */
export interface PendingPut {
  readonly request: PutRequest;
  readonly index: number;
  readonly term: number;
}

/** A request that has not been answered and has no entry in the log. */
export interface HeldRequest {
  readonly request: ClientRequest;
  readonly receivedAt: number;
}

/** MIDs remembered to refuse a second reply; old ones are forgotten beyond this many. */
export const REMEMBERED_MIDS = 200_000;

export class ClientRequests {
  /** Puts in the log, by index. */
  readonly puts = new Map<number, PendingPut>();
  /** Gets at the leader waiting for its lease. */
  reads: GetRequest[] = [];
  /** Requests waiting to learn of a leader. */
  held: HeldRequest[] = [];
  private readonly seen = new BoundedSet<string>(REMEMBERED_MIDS);

  /** True the first time a MID is seen; a repeated request is ignored. */
  admit(mid: string): boolean {
    return this.seen.add(mid);
  }

  get waiting(): number {
    return this.puts.size + this.reads.length + this.held.length;
  }
}
