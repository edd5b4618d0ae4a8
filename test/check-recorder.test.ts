// HistoryRecorder turns a client event stream into a history the checker understands.

import { expect, test } from "bun:test";
import { checkHistory, HistoryRecorder } from "../src/check/index.ts";

test("records completed, failed and pending operations", () => {
  const r = new HistoryRecorder();
  const p1 = r.invoke("a", "put", "x", "1", 0);
  const g1 = r.invoke("b", "get", "x", undefined, 1);
  const p2 = r.invoke("c", "put", "x", "2", 2);
  r.invoke("d", "put", "x", "3", 3); // never answered
  r.complete(p1, 4);
  r.complete(g1, 5, { value: "1" });
  r.fail(p2);
  expect(r.history()).toEqual([
    { client: "a", kind: "put", key: "x", value: "1", call: 0, ret: 4, outcome: "ok" },
    { client: "b", kind: "get", key: "x", value: "1", call: 1, ret: 5, outcome: "ok" },
    { client: "c", kind: "put", key: "x", value: "2", call: 2, ret: undefined, outcome: "unknown" },
    { client: "d", kind: "put", key: "x", value: "3", call: 3, ret: undefined, outcome: "unknown" },
  ]);
  expect(checkHistory(r.history())).toEqual({ ok: true });
});

test("a get of an absent key has no value and checks against the initial value", () => {
  const r = new HistoryRecorder();
  r.complete(r.invoke("a", "get", "x", undefined, 0), 1);
  const [op] = r.history();
  expect(op?.value).toBeUndefined();
  expect(checkHistory(r.history())).toEqual({ ok: true });
  expect(checkHistory(r.history(), { initialValue: "nil" })).toEqual({ ok: true });
  r.complete(r.invoke("b", "get", "x", undefined, 2), 3, { value: "" });
  expect(checkHistory(r.history(), { initialValue: "nil" }).ok).toBe(false); // "" was never written
});

test("a late definite answer after fail still counts", () => {
  const r = new HistoryRecorder();
  const p = r.invoke("a", "put", "x", "1", 0);
  r.fail(p);
  r.complete(p, 9);
  expect(r.history()[0]).toMatchObject({ outcome: "ok", ret: 9 });
  r.complete(r.invoke("b", "get", "x", undefined, 10), 11);
  expect(checkHistory(r.history()).ok).toBe(false); // the put was acknowledged before the read
});

test("history() is a snapshot", () => {
  const r = new HistoryRecorder();
  const p = r.invoke("a", "put", "x", "1", 0);
  const before = r.history();
  r.complete(p, 1);
  expect(before[0]?.outcome).toBe("unknown");
});

test("misuse is loud", () => {
  const r = new HistoryRecorder();
  const p = r.invoke("a", "put", "x", "1", 5);
  expect(() => r.complete(p, 4)).toThrow();
  r.complete(p, 6);
  expect(() => r.complete(p, 7)).toThrow();
  expect(() => r.fail(p)).toThrow();
  expect(() => r.complete(99, 1)).toThrow();
  expect(() => r.invoke("a", "put", "x", undefined, 0)).toThrow();
});
