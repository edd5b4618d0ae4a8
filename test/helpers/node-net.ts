// A hand-driven network of bare RaftNodes for paper-rule tests: messages wait in a list
// until the test delivers them, so each test decides exactly what arrives where.
import { RaftLog } from "../../src/raft/log.ts";
import { RaftNode } from "../../src/raft/node.ts";
import { DEFAULT_CONFIG, type LogEntry, type RaftConfig, type RaftMessage } from "../../src/raft/types.ts";
import { seededRandom } from "../../src/util/prng.ts";
import { entrySize } from "../../src/wire/encode.ts";

export interface NodeSpec {
  id: string;
  term?: number;
  /** Terms of the entries at indexes 1, 2, ... */
  logTerms?: number[];
}

export class NodeNet {
  readonly nodes = new Map<string, RaftNode>();
  readonly applied = new Map<string, number[]>();
  inFlight: RaftMessage[] = [];

  constructor(specs: NodeSpec[], config: Partial<RaftConfig> = {}, seed = 1) {
    const ids = specs.map((s) => s.id);
    for (const spec of specs) {
      const log = new RaftLog();
      for (const term of spec.logTerms ?? []) log.append({ term, key: `k${log.lastIndex + 1}`, value: `t${term}` });
      this.applied.set(spec.id, []);
      this.nodes.set(
        spec.id,
        new RaftNode({
          id: spec.id,
          peers: ids.filter((id) => id !== spec.id),
          config: { ...DEFAULT_CONFIG, ...config },
          random: seededRandom(seed + ids.indexOf(spec.id)),
          now: 0,
          durable: spec.term || spec.logTerms ? { term: spec.term ?? 0, votedFor: undefined, log, commitIndex: 0 } : undefined,
          host: {
            send: (message) => this.inFlight.push(message),
            apply: (index: number, _entry: LogEntry) => this.applied.get(spec.id)!.push(index),
            entrySize,
          },
        }),
      );
    }
  }

  node(id: string): RaftNode {
    const node = this.nodes.get(id);
    if (!node) throw new Error(`no node ${id}`);
    return node;
  }

  /**
   * Delivers messages in flight (and those they cause) that `allow` lets through; the
   * rest are dropped, or kept in flight with `keep`.
   */
  deliver(now: number, allow: (m: RaftMessage) => boolean = () => true, rounds = 50, keep = false): void {
    let kept: RaftMessage[] = [];
    for (let round = 0; round < rounds && this.inFlight.length > 0; round++) {
      const batch = this.inFlight;
      this.inFlight = [];
      for (const message of batch) {
        if (allow(message)) this.nodes.get(message.dst)?.step(message, now);
        else if (keep) kept.push(message);
      }
    }
    this.inFlight.push(...kept);
    kept = [];
  }

  /** Messages in flight matching `filter`, removed from the network. */
  take(filter: (m: RaftMessage) => boolean): RaftMessage[] {
    const taken = this.inFlight.filter(filter);
    this.inFlight = this.inFlight.filter((m) => !filter(m));
    return taken;
  }
}

/** The terms of a node's log, index 1 onward. */
export function logTerms(node: RaftNode): number[] {
  const terms: number[] = [];
  for (let i = 1; i <= node.log.lastIndex; i++) terms.push(node.log.termAt(i));
  return terms;
}
