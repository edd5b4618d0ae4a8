// Raft's safety properties, checked after every simulation event. Incremental, so that a
// check costs O(replicas + entries changed) rather than O(log length):
// - every log change is a changed suffix (logs only append and truncate), found by
//   comparing entry references with a shadow copy from the end;
// - a "ghost" table holds, for each (index, term) ever seen, the entry and the term before
//   it: two logs agreeing on it then agree on the whole prefix, by induction (log matching);
// - a ledger holds the one entry chosen at each index: every commit and every apply on any
//   replica must match it (state machine safety), and every new leader's log must hold
//   every entry chosen in an earlier term (leader completeness, as the paper states it:
//   a late-starting replica may still take term 1, its appointed term, as an empty log);
// - sharper: no replica (crashed ones too) that lacks a committed entry may be able to collect a
//   majority of votes on log grounds (§5.4.1 up-to-date check). Raft's safety proof shows
//   every member of the committing majority refuses such a candidate, so this holds at
//   every instant, and catches a Figure-8 commit before an election has to go wrong.
import type { LogEntry, NodeId, Role } from "../raft/types.ts";
import type { Replica } from "../replica/replica.ts";
import type { VirtualCluster } from "./cluster.ts";

interface Watch {
  /** The object we watched: a restart makes a new one, with commit and applied back at 0. */
  replica: Replica | undefined;
  /** The log end last seen, to notice when electability may have changed. */
  lastIndex: number;
  lastTerm: number;
  /** shadow[i] is the entry object seen at index i (index 0 unused). */
  shadow: LogEntry[];
  commit: number;
  applied: number;
  role: Role;
  term: number;
}

interface Ghost {
  term: number;
  prevTerm: number;
  key: string | undefined;
  value: string | undefined;
}

const sameEntry = (a: LogEntry, b: LogEntry): boolean => a.term === b.term && a.key === b.key && a.value === b.value;
const show = (e: LogEntry): string => (e.key === undefined ? `[t${e.term} no-op]` : `[t${e.term} ${e.key}=${e.value}]`);

export class InvariantChecker {
  private readonly watches = new Map<NodeId, Watch>();
  private readonly leaderOfTerm = new Map<number, NodeId>();
  private readonly ghosts = new Map<number, Ghost[]>();
  /** ledger[i]: the entry chosen at index i, once any replica committed or applied it. */
  private readonly ledger: LogEntry[] = [];
  /** chosenIn[i]: the term of the replica that first committed or applied ledger[i]. */
  private readonly chosenIn: number[] = [];
  /** Set when a log end or the ledger changed, so the electability check must run. */
  private logsMoved = false;
  /** The first violation found, with the virtual time; later ones are not looked for. */
  violation: string | undefined;

  constructor(private readonly cluster: VirtualCluster) {
    for (const id of cluster.ids) {
      this.watches.set(id, { replica: undefined, lastIndex: 0, lastTerm: 0, shadow: [{ term: 0 }], commit: 0, applied: 0, role: "follower", term: 0 });
    }
  }

  /** How many terms had a leader. */
  get elections(): number {
    return this.leaderOfTerm.size;
  }

  /** Call after every event with the replica that ran (if any). */
  check(touched: NodeId | undefined): void {
    if (this.violation !== undefined) return;
    for (const [id, watch] of this.watches) {
      const replica = this.cluster.replica(id);
      if (replica === undefined) continue;
      if (replica !== watch.replica) {
        // A restart: volatile state starts over; the log (durable) is checked in full once.
        watch.replica = replica;
        watch.commit = 0;
        watch.applied = 0;
        watch.shadow = [{ term: 0 }];
        this.inspect(id, replica, watch);
      } else if (id === touched) {
        this.inspect(id, replica, watch);
      }
      if (this.violation !== undefined) return;
    }
    if (this.logsMoved) {
      this.logsMoved = false;
      this.checkElectability();
    }
  }

  private checkElectability(): void {
    const top = this.ledger.length - 1;
    const chosen = this.ledger[top];
    if (chosen === undefined) return;
    const ids = this.cluster.ids;
    const majority = Math.floor(ids.length / 2) + 1;
    for (const id of ids) {
      // Crashed replicas count too: their logs are durable, they may restart and run.
      const log = this.cluster.logOf(id);
      // Holding the newest chosen entry means holding all of them (log matching).
      if (top <= log.lastIndex && sameEntry(log.entry(top), chosen)) continue;
      let grants = 0;
      for (const voter of ids) if (this.cluster.logOf(voter).isUpToDate(log.lastIndex, log.lastTerm)) grants++;
      if (grants >= majority) {
        return this.fail(
          `leader completeness: ${id} (log ends ${log.lastIndex}/t${log.lastTerm}) lacks committed ${show(chosen)} at ${top}, ` +
            `yet ${grants} replicas would vote for it on log grounds`,
        );
      }
    }
  }

  private fail(message: string): void {
    this.violation ??= `t=${this.cluster.now.toFixed(1)}: ${message}`;
  }

  private inspect(id: NodeId, replica: Replica, watch: Watch): void {
    const raft = replica.raft;
    const log = raft.log;
    const last = log.lastIndex;
    if (last !== watch.lastIndex || log.lastTerm !== watch.lastTerm) {
      watch.lastIndex = last;
      watch.lastTerm = log.lastTerm;
      this.logsMoved = true;
    }

    // Log matching, on the changed suffix only.
    const shadow = watch.shadow;
    let same = Math.min(last, shadow.length - 1);
    while (same >= 1 && log.entry(same) !== shadow[same]) same--;
    shadow.length = same + 1;
    for (let i = same + 1; i <= last; i++) {
      const entry = log.entry(i);
      shadow.push(entry);
      const prevTerm = log.termAt(i - 1);
      if (entry.term < prevTerm) return this.fail(`${id}: log terms decrease at ${i} (t${prevTerm} then t${entry.term})`);
      if (entry.term > raft.term) return this.fail(`${id}: entry ${i} has term ${entry.term} above the replica's term ${raft.term}`);
      const seen = this.ghosts.get(i);
      const ghost = seen?.find((g) => g.term === entry.term);
      if (ghost === undefined) {
        const record: Ghost = { term: entry.term, prevTerm, key: entry.key, value: entry.value };
        if (seen === undefined) this.ghosts.set(i, [record]);
        else seen.push(record);
      } else if (ghost.prevTerm !== prevTerm || ghost.key !== entry.key || ghost.value !== entry.value) {
        return this.fail(`log matching: ${id} has ${show(entry)} at ${i} after t${prevTerm}, another log has [t${ghost.term} ${ghost.key}=${ghost.value}] after t${ghost.prevTerm}`);
      }
      // An entry rewritten below the commit index: the chosen one was lost.
      if (i <= watch.commit) this.choose(id, raft.term, i, entry, "rewrote committed");
    }

    const commit = raft.commitIndex;
    if (commit < watch.commit) return this.fail(`${id}: commit index went back from ${watch.commit} to ${commit}`);
    if (commit > last) return this.fail(`${id}: commit index ${commit} beyond its log (${last})`);
    for (let i = watch.commit + 1; i <= commit; i++) this.choose(id, raft.term, i, log.entry(i), "committed");
    watch.commit = commit;

    const applied = raft.lastApplied;
    if (applied < watch.applied) return this.fail(`${id}: lastApplied went back from ${watch.applied} to ${applied}`);
    if (applied > commit) return this.fail(`${id}: applied ${applied} beyond its commit index ${commit}`);
    for (let i = watch.applied + 1; i <= applied; i++) this.choose(id, raft.term, i, log.entry(i), "applied");
    watch.applied = applied;

    const role = raft.role;
    const term = raft.term;
    if (term < watch.term) return this.fail(`${id}: term went back from ${watch.term} to ${term}`);
    if (role === "leader" && (watch.role !== "leader" || watch.term !== term)) {
      const other = this.leaderOfTerm.get(term);
      if (other !== undefined && other !== id) return this.fail(`election safety: ${id} and ${other} both lead term ${term}`);
      this.leaderOfTerm.set(term, id);
      // Leader completeness: every entry chosen in an earlier term is in the new leader's log.
      for (let i = 1; i < this.ledger.length; i++) {
        const chosen = this.ledger[i];
        if (chosen === undefined || this.chosenIn[i]! >= term) continue;
        if (i > last || !sameEntry(log.entry(i), chosen)) {
          return this.fail(`leader completeness: ${id} leads term ${term} without committed ${show(chosen)} at ${i} (has ${i > last ? "nothing" : show(log.entry(i))})`);
        }
      }
    }
    watch.role = role;
    watch.term = term;
  }

  /** Records or compares the entry chosen at `index`. */
  private choose(id: NodeId, term: number, index: number, entry: LogEntry, how: string): void {
    const chosen = this.ledger[index];
    if (chosen === undefined) {
      this.ledger[index] = { term: entry.term, key: entry.key, value: entry.value };
      this.chosenIn[index] = term;
      this.logsMoved = true;
    } else if (!sameEntry(chosen, entry)) {
      this.fail(`state machine safety: ${id} ${how} ${show(entry)} at ${index}, but ${show(chosen)} was chosen there`);
    }
  }
}
