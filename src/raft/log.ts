// The replicated log: 1-based indexes, index 0 is a sentinel of term 0.
import type { LogEntry } from "./types.ts";

export class RaftLog {
  private readonly entries: LogEntry[] = [{ term: 0 }];

  get lastIndex(): number {
    return this.entries.length - 1;
  }

  get lastTerm(): number {
    return this.entries[this.entries.length - 1]!.term;
  }

  /** The term at `index`, or -1 when the log has no such index. */
  termAt(index: number): number {
    if (index < 0 || index >= this.entries.length) return -1;
    return this.entries[index]!.term;
  }

  entry(index: number): LogEntry {
    const entry = this.entries[index];
    if (index < 1 || !entry) throw new Error(`no log entry at ${index}`);
    return entry;
  }

  append(entry: LogEntry): number {
    this.entries.push(entry);
    return this.lastIndex;
  }

  /** Entries from `from` (inclusive) onward, at most `maxBytes` of encoded size (at least one). */
  slice(from: number, maxBytes: number, sizeOf: (entry: LogEntry) => number): LogEntry[] {
    const out: LogEntry[] = [];
    let bytes = 0;
    for (let i = from; i < this.entries.length; i++) {
      const entry = this.entries[i]!;
      bytes += sizeOf(entry) + 1;
      if (out.length > 0 && bytes > maxBytes) break;
      out.push(entry);
    }
    return out;
  }

  /**
   * Appends a leader's entries after `prevIndex`, which the caller has checked matches.
   * Existing entries are kept unless they conflict (a stale or reordered append must not
   * truncate entries the follower already has). Returns the index of the last new entry.
   */
  merge(prevIndex: number, incoming: readonly LogEntry[]): number {
    let index = prevIndex;
    for (const entry of incoming) {
      index++;
      if (index < this.entries.length) {
        if (this.entries[index]!.term === entry.term) continue;
        this.entries.length = index; // conflict: drop this entry and everything after it
      }
      this.entries.push(entry);
    }
    return index;
  }

  /** The first index holding `term` at or before `index` (for the conflict hint). */
  firstIndexOfTerm(index: number): number {
    const term = this.termAt(index);
    let i = index;
    while (i > 1 && this.entries[i - 1]!.term === term) i--;
    return i;
  }

  /** The last index whose term is `term`, or -1 if the log holds no entry of that term. */
  lastIndexOfTerm(term: number): number {
    for (let i = this.lastIndex; i >= 1; i--) {
      const t = this.entries[i]!.term;
      if (t === term) return i;
      if (t < term) return -1;
    }
    return -1;
  }

  /** Raft §5.4.1: is a log ending at (lastTerm, lastIndex) at least as up to date as ours? */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    return lastTerm > this.lastTerm || (lastTerm === this.lastTerm && lastIndex >= this.lastIndex);
  }
}
