// The checker's internal form of one operation on one key: outcomes resolved to times.

import type { OpKind, Operation } from "./types.ts";

export interface KeyOp {
  kind: OpKind;
  /** put: value written; get: value read (absent already replaced by the initial value). */
  value: string;
  call: number;
  /** +Infinity when the outcome is unknown: it may take effect at any time after call. */
  ret: number;
  /** The original operation, for explanations. */
  source: Operation;
}
