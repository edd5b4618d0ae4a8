// The shapes of a client-observed history and of the checker's verdict.

export type OpKind = "put" | "get";

/** "unknown": the client never got a definite answer (no reply, `fail`, or it gave up). */
export type Outcome = "ok" | "unknown";

export interface Operation {
  client: string;
  kind: OpKind;
  key: string;
  /** put: the value written; get: the value returned (if ok). Missing on a get = key absent. */
  value?: string;
  /** Virtual time the client sent the request. */
  call: number;
  /** Virtual time the client got the answer; ignored (treated as +Infinity) when outcome is "unknown". */
  ret: number | undefined;
  outcome: Outcome;
}

export type CheckResult =
  | { ok: true }
  | { ok: false; key: string; explanation: string }
  | { ok: "unknown"; key: string; reason: string };

export interface CheckOptions {
  /** What a get of a never-written key returns. Our store answers "" for an absent key. */
  initialValue?: string;
  /** Search steps allowed per key before giving up with ok: "unknown". */
  maxSteps?: number;
  /** Search steps allowed for shrinking a failing key to a minimal explanation. */
  minimizeSteps?: number;
}
