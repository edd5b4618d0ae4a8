// The replicas' packet times (KV_TIMES): what a replica saves is what `bun run hops --times` reads.
import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { timesPathFromEnv } from "../src/config-env.ts";
import { PacketTimesRecorder, parsePacketTimes, readPacketTimes, sharedClockMs } from "../src/net/packet-times.ts";
import { loadReplicaTimes } from "../src/sim/hops.ts";

describe("packet times", () => {
  test("saved and read back, in order, to the microsecond", () => {
    const dir = mkdtempSync(join(tmpdir(), "kvtimes-"));
    try {
      const recorder = new PacketTimesRecorder(join(dir, "0003.times"));
      recorder.received.push(1796380072564.511, 1796380072565.002);
      recorder.sent.push(1796380072564.9);
      expect(recorder.save()).toBe(true);
      expect(readPacketTimes(join(dir, "0003.times"))).toEqual({ received: [1796380072564.511, 1796380072565.002], sent: [1796380072564.9] });
      const times = loadReplicaTimes(dir, ["# origin 1796380072000.000", "0.1 to 0003: {}"]);
      expect(times.origin).toBe(1796380072000);
      expect([...times.byReplica.keys()]).toEqual(["0003"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a file it cannot write is reported, not thrown", () => {
    expect(new PacketTimesRecorder("/nonexistent-dir/0000.times").save()).toBe(false);
  });

  test("a line it does not know is an error that names it", () => {
    expect(() => parsePacketTimes("r 1.5\nx 2\n")).toThrow('line 2 is not "r <ms>" or "s <ms>": "x 2"');
  });

  test("hops refuses times without a trace origin, or a directory without times", () => {
    const dir = mkdtempSync(join(tmpdir(), "kvtimes-"));
    try {
      expect(() => loadReplicaTimes(dir, ["# origin 5.0"])).toThrow("no <id>.times files");
      writeFileSync(join(dir, "0000.times"), "r 1\n");
      expect(() => loadReplicaTimes(dir, ["0.1 to 0000: {}"])).toThrow("names no origin");
      writeFileSync(join(dir, "0001.times"), "garbage\n");
      expect(() => loadReplicaTimes(dir, ["# origin 5.0"])).toThrow("0001.times: line 1");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("the shared clock is the epoch's, not the process's", () => {
    expect(Math.abs(sharedClockMs() - Date.now())).toBeLessThan(1000);
  });

  test("KV_TIMES: absent is off, a relative path is refused", () => {
    expect(timesPathFromEnv(undefined)).toEqual({ ok: true, path: undefined });
    expect(timesPathFromEnv("")).toEqual({ ok: true, path: undefined });
    expect(timesPathFromEnv("/tmp/t/0000.times")).toEqual({ ok: true, path: "/tmp/t/0000.times" });
    const relative = timesPathFromEnv("t/0000.times");
    expect(relative.ok).toBe(false);
    if (!relative.ok) expect(relative.error).toContain("KV_TIMES: must be an absolute path");
  });
});
