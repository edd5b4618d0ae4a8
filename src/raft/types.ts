// The vocabulary of the Raft core: log entries, peer messages, configuration.
// Messages are plain objects; src/wire turns them into packets and back.

export type NodeId = string;

/**
 * A put carries key and value, and the client and MID that asked for it, so whichever
 * leader commits it can answer the client (its first leader may have died meanwhile).
 * A no-op (appended by each new leader) carries none of these.
 */
export interface LogEntry {
  readonly term: number;
  readonly key?: string;
  readonly value?: string;
  readonly client?: string;
  readonly mid?: string;
  /**
   * On a leader's no-op: the last index that leader took as answered by its predecessors
   * (RaftNode.leaderCommitFloor), so it answers no put at or below it. A deposed leader
   * reads it to learn that nobody answered a put it never could (Replica.settle).
   */
  readonly floor?: number;
  /** The entry's wire encoding, filled in once by the encoder and reused for every send. */
  json?: string;
}

interface PeerBase {
  readonly src: NodeId;
  readonly dst: NodeId;
  readonly term: number;
}

/** RequestVote; `pre` marks a pre-vote, which changes no state at the receiver. */
export interface VoteRequest extends PeerBase {
  readonly type: "vote";
  readonly pre: boolean;
  readonly lastIndex: number;
  readonly lastTerm: number;
}

export interface VoteReply extends PeerBase {
  readonly type: "voted";
  readonly pre: boolean;
  readonly granted: boolean;
  /** The voter's commit index: what a new leader need not answer again (node.ts). */
  readonly commit: number;
  /** The highest commit index a leader told the voter of (below it, that leader answered). */
  readonly told: number;
  /** The voter's last successful answer to a leader: in which term, matching up to which index. */
  readonly ackTerm: number;
  readonly acked: number;
}

/**
 * AppendEntries. `sentAt` is the leader's clock, echoed back to time its lease. A `quiet`
 * append (a commit announcement) is answered only if it does not match.
 *
 * Relaying (chain replication of one hop): a leader that sends the same append to two
 * followers sends it to the first only, naming the second in `relayTo`. The first, once
 * the entries match, forwards the append unchanged to the second with `relay` set instead
 * of answering; the second answers the leader for both. Three messages instead of four.
 */
export interface AppendRequest extends PeerBase {
  readonly type: "append";
  readonly quiet: boolean;
  readonly prevIndex: number;
  readonly prevTerm: number;
  readonly entries: readonly LogEntry[];
  readonly commit: number;
  readonly sentAt: number;
  /** Set by the leader: forward to this follower on success, and let it answer. */
  readonly relayTo?: NodeId;
  /** Set on a forwarded copy: who leads, and the forwarder's (`src`'s) match index. */
  readonly relay?: { readonly leader: NodeId; readonly match: number };
}

/**
 * AppendEntries reply. On success `match` is the follower's last index known to match
 * the leader; on failure `hintIndex`/`hintTerm` let the leader skip a whole term at once.
 */
export interface AppendReply extends PeerBase {
  readonly type: "appended";
  readonly success: boolean;
  readonly match: number;
  readonly hintIndex: number;
  readonly hintTerm: number;
  readonly sentAt: number;
  /**
   * The follower that relayed the append to us, credited as if it had answered itself.
   * `sentAt` is present when that relay came with an earlier send than this answer's (a
   * retry the chain's new head answered for both: node.ts, onAppend); the lease counts
   * only what the relayer actually received.
   */
  readonly relay?: { readonly peer: NodeId; readonly match: number; readonly sentAt?: number };
}

export type RaftMessage = VoteRequest | VoteReply | AppendRequest | AppendReply;

export type Role = "follower" | "precandidate" | "candidate" | "leader";

/** Times in milliseconds of whatever clock the caller passes in. */
export interface RaftConfig {
  /** Election timeouts are drawn uniformly from [min, max). */
  readonly electionTimeoutMin: number;
  readonly electionTimeoutMax: number;
  /**
   * The first timeout after start: nothing is sent before it (SPEC §1 start-up hazard). A
   * new cluster's appointed leader (the lowest ID) takes term 1 at the max, the others wait
   * an election timeout longer; a restarted replica draws it from [min, max).
   */
  readonly firstElectionMin: number;
  readonly firstElectionMax: number;
  /**
   * A leader sends to a follower it has not sent to for this long. An unanswered heartbeat
   * is retried like entries (backing off, HEARTBEAT_RETRY_MS at least: send-pacing.ts), so
   * one lost packet does not let an election timer run out and a second is enough. At
   * 500 ms, idle heartbeats were a quarter of simple-1's messages (`bun run replay
   * --seeds 1-1000`: 513 a run at 5d95ffe, 386 at b7a82e2), and heavy loss (advanced-3)
   * cost 0.83 s a run without a leader (0.15 s at b7a82e2).
   */
  readonly heartbeatInterval: number;
  /** Entries sent but not acknowledged for this long are sent again. */
  readonly retransmitInterval: number;
  /**
   * Tell the followers that hold a newly committed entry at once (no reply wanted), so a
   * successor knows the entry was answered and does not answer it again.
   */
  readonly announceCommits: boolean;
  /**
   * How often the first send of a new entry should reach a quorum without a retransmission;
   * the leader adds followers beyond the quorum as losses make that less likely.
   */
  readonly fanoutTarget: number;
  /**
   * How long after a quorum acknowledged an append the leader may serve reads alone.
   * Must stay below electionTimeoutMin: see lease.ts for the argument.
   */
  readonly leaseDuration: number;
  /** Entries per append are limited so the packet stays under the wire limit. */
  readonly maxAppendBytes: number;
  /**
   * A replica whose election timer runs out campaigns only if clients want a leader (a
   * request reached it lately), it holds entries no leader told it were committed, or
   * there never was a leader; a leader no client reached for a heartbeat interval, with
   * nothing left to tell, falls quiet. Off: classic Raft, every timeout campaigns and
   * heartbeats never stop (tests of elections as such, the warm-up cluster).
   */
  readonly electOnDemand: boolean;
}

export const DEFAULT_CONFIG: RaftConfig = {
  electionTimeoutMin: 1500,
  electionTimeoutMax: 2200,
  firstElectionMin: 500,
  firstElectionMax: 1000,
  heartbeatInterval: 1000,
  retransmitInterval: 4,
  announceCommits: false,
  fanoutTarget: 0.5,
  leaseDuration: 1300,
  maxAppendBytes: 14000,
  electOnDemand: true,
};

/** Elections on timeout alone, as classic Raft: for clusters that must elect before any client. */
export const CLASSIC_ELECTIONS: Partial<RaftConfig> = { electOnDemand: false };

/** Rejects configurations under which the lease or the liveness argument breaks. */
export function validateConfig(config: RaftConfig): RaftConfig {
  const problems: string[] = [];
  if (!(config.electionTimeoutMin > 0 && config.electionTimeoutMax > config.electionTimeoutMin)) problems.push("need 0 < electionTimeoutMin < electionTimeoutMax");
  if (!(config.firstElectionMax > config.firstElectionMin && config.firstElectionMin > 0)) problems.push("need 0 < firstElectionMin < firstElectionMax");
  if (!(config.heartbeatInterval > 0 && config.heartbeatInterval < config.electionTimeoutMin)) problems.push("need 0 < heartbeatInterval < electionTimeoutMin");
  if (!(config.leaseDuration >= 0 && config.leaseDuration < config.electionTimeoutMin)) problems.push("need 0 <= leaseDuration < electionTimeoutMin (lease safety)");
  if (!(config.retransmitInterval > 0)) problems.push("need retransmitInterval > 0");
  if (!(config.fanoutTarget >= 0 && config.fanoutTarget <= 1)) problems.push("need 0 <= fanoutTarget <= 1");
  if (problems.length > 0) throw new Error(`invalid Raft configuration: ${problems.join("; ")}`);
  return config;
}
