// Hand-written histories with known verdicts, including the classic anomaly shapes.

import { describe, expect, test } from "bun:test";
import { checkHistory, type CheckResult, type Operation } from "../src/check/index.ts";

/** put(client, key, value, call, ret) — ret undefined means unknown outcome. */
function put(client: string, key: string, value: string, call: number, ret: number | undefined): Operation {
  return { client, kind: "put", key, value, call, ret, outcome: ret === undefined ? "unknown" : "ok" };
}
/** get(client, key, returned, call, ret) — returned undefined means the key was absent. */
function get(client: string, key: string, value: string | undefined, call: number, ret: number | undefined): Operation {
  const op: Operation = { client, kind: "get", key, call, ret, outcome: ret === undefined ? "unknown" : "ok" };
  if (value !== undefined) op.value = value;
  return op;
}

function expectOk(result: CheckResult): void {
  expect(result).toEqual({ ok: true });
}
function expectViolation(result: CheckResult, key: string, mentions: string[] = []): string {
  if (result.ok !== false) throw new Error(`expected a violation, got ${JSON.stringify(result)}`);
  expect(result.key).toBe(key);
  for (const m of mentions) expect(result.explanation).toContain(m);
  return result.explanation;
}

describe("linearizable histories", () => {
  test("empty history", () => expectOk(checkHistory([])));

  test("sequential puts and gets", () => {
    expectOk(
      checkHistory([
        get("a", "x", undefined, 0, 1),
        put("a", "x", "1", 2, 3),
        get("b", "x", "1", 4, 5),
        put("b", "x", "2", 6, 7),
        get("a", "x", "2", 8, 9),
      ]),
    );
  });

  test("absent key reads as the configured initial value", () => {
    expectOk(checkHistory([get("a", "x", "", 0, 1)]));
    expectOk(checkHistory([get("a", "x", "nil", 0, 1)], { initialValue: "nil" }));
    expectViolation(checkHistory([get("a", "x", "", 0, 1)], { initialValue: "nil" }), "x");
  });

  test("concurrent writes: reads may see either order, consistently", () => {
    const writes = [put("a", "x", "1", 0, 10), put("b", "x", "2", 0, 10)];
    expectOk(checkHistory([...writes, get("c", "x", "1", 11, 12), get("c", "x", "1", 13, 14)]));
    expectOk(checkHistory([...writes, get("c", "x", "2", 11, 12), get("d", "x", "2", 13, 14)]));
  });

  test("reads concurrent with a write may see old or new, and flip only forward", () => {
    const base = [put("a", "x", "1", 0, 1), put("a", "x", "2", 2, 20)];
    expectOk(checkHistory([...base, get("b", "x", "1", 3, 4), get("b", "x", "2", 5, 6)]));
    expectOk(checkHistory([...base, get("b", "x", "1", 3, 4), get("c", "x", "1", 5, 6)]));
    // Two overlapping reads may disagree in either direction.
    expectOk(checkHistory([...base, get("b", "x", "2", 3, 10), get("c", "x", "1", 4, 9)]));
  });

  test("touching intervals count as concurrent", () => {
    // The get is called at the very instant the put returns: still allowed to see either.
    expectOk(checkHistory([put("a", "x", "1", 0, 5), get("b", "x", undefined, 5, 6)]));
  });

  test("unknown-outcome put that took effect later is accepted", () => {
    // c1 never heard back, yet its put became visible well after it gave up.
    expectOk(
      checkHistory([
        put("a", "x", "1", 0, 1),
        put("b", "x", "2", 2, undefined),
        get("c", "x", "1", 10, 11),
        get("c", "x", "2", 50, 51),
        get("a", "x", "2", 60, 61),
      ]),
    );
  });

  test("unknown-outcome put that never took effect is accepted", () => {
    expectOk(checkHistory([put("a", "x", "1", 0, 1), put("b", "x", "2", 2, undefined), get("c", "x", "1", 100, 101)]));
  });

  test("unknown-outcome get constrains nothing", () => {
    expectOk(checkHistory([put("a", "x", "1", 0, 1), get("b", "x", "never-written", 2, undefined)]));
  });

  test("many overlapping writers and readers", () => {
    expectOk(
      checkHistory([
        put("a", "x", "1", 0, 30),
        put("b", "x", "2", 5, 25),
        put("c", "x", "3", 10, 12),
        get("d", "x", "3", 13, 14),
        get("e", "x", "2", 15, 16),
        get("d", "x", "1", 17, 40),
        get("e", "x", "1", 41, 42),
      ]),
    );
  });
});

describe("non-linearizable histories", () => {
  test("stale read: a read after an acknowledged write returns the old value", () => {
    const explanation = expectViolation(
      checkHistory([put("a", "x", "1", 0, 1), put("a", "x", "2", 2, 3), get("b", "x", "1", 4, 5)]),
      "x",
      ["stale read", 'get("x") -> "1"', 'put("x", "2")'],
    );
    expect(explanation.split("\n").filter((l) => l.startsWith("  ")).length).toBe(3);
  });

  test("stale read of the initial value", () => {
    expectViolation(checkHistory([put("a", "x", "1", 0, 1), get("b", "x", undefined, 2, 3)]), "x", [
      "stale read",
      "initial value",
      "(absent)",
    ]);
  });

  test("lost update: a newer value is seen, then the older one again", () => {
    expectViolation(
      checkHistory([
        put("a", "x", "1", 0, 1),
        put("b", "x", "2", 2, 3),
        get("c", "x", "2", 4, 5),
        get("c", "x", "1", 6, 7),
      ]),
      "x",
      ["x"],
    );
  });

  test("lost update with concurrent writes: reads go back to a value already overwritten", () => {
    // Writes overlap, so either order is fine, but readers must agree on one.
    expectViolation(
      checkHistory([
        put("a", "x", "1", 0, 10),
        put("b", "x", "2", 0, 10),
        get("c", "x", "1", 11, 12),
        get("c", "x", "2", 13, 14),
      ]),
      "x",
      ["stale read", '-> "1"', '-> "2"'],
    );
  });

  test("acknowledged write never becomes visible", () => {
    expectViolation(
      checkHistory([put("a", "x", "1", 0, 1), put("b", "x", "2", 2, 3), get("c", "x", "1", 10, 11), get("d", "x", "1", 20, 21)]),
      "x",
      ["stale read"],
    );
  });

  test("read of a value never written", () => {
    expectViolation(checkHistory([put("a", "x", "1", 0, 1), get("b", "x", "7", 2, 3)]), "x", ["never written", '"7"']);
  });

  test("future read: a read sees a write that starts after it returned", () => {
    expectViolation(checkHistory([get("b", "x", "1", 0, 1), put("a", "x", "1", 2, 3)]), "x", ["from the future"]);
  });

  test("unknown-outcome put that must have been visible", () => {
    // Someone saw "2", so the put took effect before t=5; a later read of the old "1" is stale.
    expectViolation(
      checkHistory([
        put("a", "x", "1", 0, 1),
        put("b", "x", "2", 2, undefined),
        get("c", "x", "2", 4, 5),
        get("d", "x", "1", 6, 7),
      ]),
      "x",
      ["x"],
    );
  });

  test("concurrent overlap where no order works", () => {
    // Both reads overlap the write but are ordered; the first sees new, the second old.
    expectViolation(
      checkHistory([
        put("a", "x", "1", 0, 1),
        put("a", "x", "2", 2, 20),
        get("b", "x", "2", 3, 4),
        get("c", "x", "1", 5, 6),
      ]),
      "x",
      ['-> "2"', '-> "1"'],
    );
  });

  test("only one key of many is broken, and the explanation names it", () => {
    const history: Operation[] = [];
    for (const key of ["a", "b", "c", "d"]) {
      history.push(put("w", key, `${key}1`, 0, 1), put("w", key, `${key}2`, 2, 3), get("r", key, `${key}2`, 4, 5));
    }
    history.push(get("r", "c", "c1", 6, 7));
    const result = checkHistory(history);
    const explanation = expectViolation(result, "c", ['key "c"', "stale read"]);
    for (const other of ['"a"', '"b"', '"d"']) expect(explanation).not.toContain(other);
  });

  test("explanation is shrunk to the ops at fault in a long history", () => {
    const history: Operation[] = [];
    let t = 0;
    for (let i = 0; i < 300; i++) {
      history.push(put("w", "x", `v${i}`, t, t + 1), get("r", "x", `v${i}`, t + 2, t + 3));
      t += 4;
    }
    history.push(get("r", "x", "v150", t, t + 1));
    const explanation = expectViolation(checkHistory(history), "x", ["minimal", '"v150"']);
    expect(explanation.split("\n").filter((l) => l.startsWith("  ")).length).toBeLessThanOrEqual(3);
  });
});

describe("limits", () => {
  test("a search that exceeds its step budget reports unknown instead of hanging", () => {
    // Many fully concurrent writes read in an impossible order force a wide search.
    const history: Operation[] = [];
    for (let i = 0; i < 14; i++) history.push(put(`w${i}`, "x", `v${i}`, 0, 100));
    for (let i = 0; i < 14; i++) history.push(get(`r${i}`, "x", `v${i}`, 0, 100));
    history.push(get("z", "x", "v0", 101, 102), get("z", "x", "v1", 103, 104), get("z", "x", "v0", 105, 106));
    const result = checkHistory(history, { maxSteps: 1000 });
    expect(result.ok).toBe("unknown");
    if (result.ok === "unknown") expect(result.reason).toContain("timeout");
  });

  test("a violation on another key beats a timeout", () => {
    const history: Operation[] = [];
    for (let i = 0; i < 14; i++) history.push(put(`w${i}`, "x", `v${i}`, 0, 100), get(`r${i}`, "x", `v${i}`, 0, 100));
    history.push(get("z", "x", "v0", 101, 102), get("z", "x", "v1", 103, 104), get("z", "x", "v0", 105, 106));
    history.push(put("a", "y", "1", 0, 1), get("b", "y", "2", 2, 3));
    const result = checkHistory(history, { maxSteps: 1000 });
    expect(result.ok).toBe(false);
    if (result.ok === false) expect(result.key).toBe("y");
  });

  test("malformed operations are rejected loudly", () => {
    expect(() => checkHistory([{ client: "a", kind: "put", key: "x", value: "1", call: 5, ret: 1, outcome: "ok" }])).toThrow();
    expect(() => checkHistory([{ client: "a", kind: "get", key: "x", call: 0, ret: undefined, outcome: "ok" }])).toThrow();
    expect(() => checkHistory([{ client: "a", kind: "put", key: "x", call: 0, ret: 1, outcome: "ok" }])).toThrow();
  });
});
