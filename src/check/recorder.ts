// Builds a history from the client event stream of a run: invoke when a request is first
// sent, complete on its definite answer. Anything not completed is an unknown outcome.

import type { OpKind, Operation } from "./types.ts";

export class HistoryRecorder {
  private readonly ops: Operation[] = [];

  /** Records a request being sent; returns the id to complete or fail it with. */
  invoke(client: string, kind: OpKind, key: string, value: string | undefined, now: number): number {
    if (kind === "put" && value === undefined) throw new TypeError("put needs a value");
    const op: Operation = { client, kind, key, call: now, ret: undefined, outcome: "unknown" };
    if (kind === "put") op.value = value;
    this.ops.push(op);
    return this.ops.length - 1;
  }

  /**
   * Records the definite answer. For a get, `value` is what it returned (omit for an absent key).
   * Allowed after fail(): a late definite answer still bounds when the op took effect.
   */
  complete(opId: number, now: number, result: { value?: string } = {}): void {
    const op = this.get(opId);
    if (op.outcome === "ok") throw new Error(`operation ${opId} completed twice`);
    if (now < op.call) throw new RangeError(`operation ${opId} completes at ${now}, before its call at ${op.call}`);
    op.ret = now;
    op.outcome = "ok";
    if (op.kind === "get") {
      if (result.value === undefined) delete op.value;
      else op.value = result.value;
    }
  }

  /** The client got `fail` or gave up: the op may or may not have taken effect. */
  fail(opId: number): void {
    const op = this.get(opId);
    if (op.outcome === "ok") throw new Error(`operation ${opId} failed after completing`);
  }

  /** A snapshot; pending operations appear with outcome "unknown". */
  history(): Operation[] {
    return this.ops.map((op) => ({ ...op }));
  }

  private get(opId: number): Operation {
    const op = this.ops[opId];
    if (op === undefined) throw new RangeError(`no operation ${opId}`);
    return op;
  }
}
