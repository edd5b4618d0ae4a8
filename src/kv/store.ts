// The replicated state machine: a map from key to value, changed only by applied entries.
import type { LogEntry } from "../raft/types.ts";

export class KvStore {
  private readonly data = new Map<string, string>();

  apply(entry: LogEntry): void {
    if (entry.key !== undefined && entry.value !== undefined) this.data.set(entry.key, entry.value);
  }

  /** A key never written reads as the empty string. */
  get(key: string): string {
    return this.data.get(key) ?? "";
  }
}
