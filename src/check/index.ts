// Public surface of the linearizability checker.

export { checkHistory, DEFAULT_MAX_STEPS } from "./check.ts";
export { HistoryRecorder } from "./recorder.ts";
export { randomLinearizableHistory, seededRandom, type RandomHistoryOptions } from "./random-history.ts";
export type { CheckOptions, CheckResult, OpKind, Operation, Outcome } from "./types.ts";
