// The leader's record of committed puts it left to a relay chain's last follower to answer
// (LogEntry.by). That follower learns of the commit a hop before the leader does, so it
// answers first; the leader only makes sure it learns of the commit, and answers itself
// only if the follower seems dead, so the client is not left without an answer.
import type { RaftNode } from "../raft/node.ts";
import type { NodeId } from "../raft/types.ts";

export interface Delegated {
  readonly index: number;
  readonly key: string;
  readonly client: NodeId;
  readonly mid: string;
  readonly by: NodeId;
  /** When the leader applied it. */
  readonly since: number;
  reminded: boolean;
}

export class DelegatedPuts {
  private readonly byIndex = new Map<number, Delegated>();

  /** How long a follower must have been silent before the leader answers for it. */
  constructor(private readonly deadAfter: number) {}

  get size(): number {
    return this.byIndex.size;
  }

  add(index: number, key: string, client: NodeId, mid: string, by: NodeId, now: number): void {
    this.byIndex.set(index, { index, key, client, mid, by, since: now, reminded: false });
  }

  /** Leadership lost: a successor answers what is left (entries above its commit floor). */
  clear(): void {
    this.byIndex.clear();
  }

  /**
   * Settles what the followers reported answered (their commit index passed it: they
   * answered before they told us), and the puts whose follower has been silent too long
   * (`orphan`: the leader must answer); reminds a follower of a commit it has not heard of.
   */
  settle(raft: RaftNode, now: number, settled: (put: Delegated, orphan: boolean) => void): void {
    for (const [index, put] of this.byIndex) {
      if (raft.commitOf(put.by) >= index) {
        this.byIndex.delete(index);
        settled(put, false);
      } else if (now >= this.deadline(raft, put)) {
        this.byIndex.delete(index);
        settled(put, true);
      } else if (!put.reminded) {
        put.reminded = true;
        raft.remindCommit(put.by, now);
      }
    }
  }

  nextDeadline(raft: RaftNode): number {
    let next = Number.POSITIVE_INFINITY;
    for (const put of this.byIndex.values()) next = Math.min(next, this.deadline(raft, put));
    return next;
  }

  private deadline(raft: RaftNode, put: Delegated): number {
    return Math.max(put.since, raft.lastHeardFrom(put.by)) + this.deadAfter;
  }
}
