// `bun run profile`: its summary of a .cpuprofile (self samples per function), its
// command line, the naming of Bun's profile files by replica ID, and one real run of a
// short scenario under the profiler.
import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { formatProfileSummary, parseCpuProfile, summarizeCpuProfile, type CpuProfileData } from "../src/sim/cpu-profile.ts";
import { nameProfiles, parseProfileArgs } from "../src/sim/profile.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "kvprof-"));
  dirs.push(dir);
  return dir;
}

const frame = (functionName: string, url = "", lineNumber = -1) => ({ functionName, url, lineNumber, scriptId: "0", columnNumber: -1 });

/** root → onPacket → (write: 5 samples, decode: 2 samples); a second decode node reached another way: 1 sample. */
const PROFILE = {
  nodes: [
    { id: 1, callFrame: frame("(root)"), children: [2, 5] },
    { id: 2, callFrame: frame("onPacket", "/$bunfs/root/kv", 6), children: [3, 4] },
    { id: 3, callFrame: frame("write") },
    { id: 4, callFrame: frame("decode", "/$bunfs/root/kv", 3) },
    { id: 5, callFrame: frame("decode", "/$bunfs/root/kv", 3) },
    { id: 6, callFrame: frame("") },
  ],
  startTime: 0,
  endTime: 100,
  samples: [3, 3, 4, 3, 5, 3, 4, 3, 2, 6],
  // The third sample comes 1,000 µs after the second: the thread was idle in between.
  timeDeltas: [100, 200, 1000, 200, 200, 200, 200, 200, 200, 200],
};

describe("summarizeCpuProfile", () => {
  test("counts self samples per function, merging the nodes of one function, most first", () => {
    const parsed = parseCpuProfile(JSON.stringify(PROFILE));
    if (!parsed.ok) throw new Error(parsed.reason);
    const summary = summarizeCpuProfile(parsed.profile, 10);
    expect(summary.samples).toBe(10);
    expect(summary.hottest.map((f) => [f.name, f.location, f.samples])).toEqual([
      ["write", "[native code]", 5],
      ["decode", "/$bunfs/root/kv:4", 3],
      ["(anonymous)", "[native code]", 1],
      ["onPacket", "/$bunfs/root/kv:7", 1],
    ]);
    expect(summary.hottest[0]!.percent).toBeCloseTo(50);
    expect(summarizeCpuProfile(parsed.profile, 2).hottest.map((f) => f.name)).toEqual(["write", "decode"]);
  });

  test("counts only the samples taken at or after fromUs (start-up left out)", () => {
    const parsed = parseCpuProfile(JSON.stringify(PROFILE));
    if (!parsed.ok) throw new Error(parsed.reason);
    // Samples at 100, 300, 1300, 1500, ... µs: from 1300 on, the first two writes are left out.
    const later = summarizeCpuProfile(parsed.profile, 10, 1300);
    expect(later.samples).toBe(8);
    // A tie goes by name.
    expect(later.hottest.map((f) => [f.name, f.samples])).toEqual([
      ["decode", 3],
      ["write", 3],
      ["(anonymous)", 1],
      ["onPacket", 1],
    ]);
    expect(summarizeCpuProfile(parsed.profile, 10, 1e9)).toEqual({ samples: 0, hottest: [] });
  });

  test("an empty profile has no hot functions; the text says how many samples and how long", () => {
    const empty: CpuProfileData = { nodes: [], samples: [], timeDeltas: [] };
    expect(summarizeCpuProfile(empty, 5)).toEqual({ samples: 0, hottest: [] });
    const parsed = parseCpuProfile(JSON.stringify(PROFILE));
    if (!parsed.ok) throw new Error(parsed.reason);
    const text = formatProfileSummary("0001", summarizeCpuProfile(parsed.profile, 1), 200);
    expect(text).toBe("0001: 10 samples (about 2 ms running JavaScript or what it called)\n   50.0%  write  [native code]");
  });

  test("a file that is not a profile is refused with its reason", () => {
    expect(parseCpuProfile("{not json")).toMatchObject({ ok: false });
    const wrong = parseCpuProfile(JSON.stringify({ nodes: [{ id: "x" }], samples: [], timeDeltas: [] }));
    expect(wrong.ok).toBe(false);
    if (!wrong.ok) expect(wrong.reason).toStartWith("not a .cpuprofile");
    const uneven = parseCpuProfile(JSON.stringify({ ...PROFILE, timeDeltas: [1] }));
    expect(uneven).toEqual({ ok: false, reason: "not a .cpuprofile: samples and timeDeltas differ in length" });
  });
});

describe("parseProfileArgs", () => {
  test("defaults, and every option", () => {
    const at = new Date("2026-12-04T21:00:00.000Z");
    const plain = parseProfileArgs(["simple-2"], at);
    if (typeof plain === "number") throw new Error("refused");
    expect(plain).toMatchObject({ scenario: "simple-2", seed: undefined, lifetime: undefined, top: 12, intervalUs: 1000, fromSeconds: undefined });
    expect(plain.out).toEndWith("reports/profile-simple-2-2026-12-04T21-00-00-000Z");
    const all = parseProfileArgs(["unreliable-3", "--seed", "4", "--lifetime", "10", "--out", "/tmp/p", "--top", "5", "--interval", "500", "--from", "0"], at);
    expect(all).toEqual({ scenario: "unreliable-3", seed: 4, lifetime: 10, out: "/tmp/p", top: 5, intervalUs: 500, fromSeconds: 0 });
  });

  test("bad command lines are refused with exit code 2", () => {
    for (const argv of [[], ["a", "b"], ["simple-1", "--seed", "x"], ["simple-1", "--interval", "10"], ["simple-1", "--out", "/tmp/with space"], ["simple-1", "--from", "-1"], ["simple-1", "--bogus"]]) {
      expect(parseProfileArgs(argv)).toBe(2);
    }
  });
});

describe("nameProfiles", () => {
  test("renames Bun's CPU.<date>.<pid>.<n> files after the replica IDs, and leaves others alone", () => {
    const dir = tempDir();
    for (const name of ["CPU.20261204.213714.30562.0.001.cpuprofile", "CPU.20261204.213714.30562.0.002.md", "CPU.20261204.213714.40000.0.001.cpuprofile", "notes.txt"]) {
      writeFileSync(join(dir, name), name);
    }
    const found = nameProfiles(dir, [
      { id: "0000", pid: 30562 },
      { id: "0001", pid: 30563 },
      { id: "0002", pid: null },
    ]);
    expect([...found]).toEqual(["0000"]);
    expect(readFileSync(join(dir, "0000.cpuprofile"), "utf8")).toBe("CPU.20261204.213714.30562.0.001.cpuprofile");
    expect(readFileSync(join(dir, "0000.md"), "utf8")).toBe("CPU.20261204.213714.30562.0.002.md");
    expect(existsSync(join(dir, "CPU.20261204.213714.40000.0.001.cpuprofile"))).toBe(true);
    expect(existsSync(join(dir, "notes.txt"))).toBe(true);
  });
});

describe("bun run profile", () => {
  // Correctness is the simulator's business (a run this short may fail its checks on too
  // few gets: exit code 1); this test is about the profiles.
  test("profiles every replica of a short run and lists each one's hottest functions", async () => {
    const out = tempDir();
    const proc = Bun.spawn([process.execPath, "run", "src/sim/profile.ts", "simple-2", "--seed", "3", "--lifetime", "5", "--out", out, "--top", "3"], {
      cwd: join(import.meta.dir, ".."),
      stdout: "pipe",
      stderr: "pipe",
    });
    const [code, stdout, stderr] = await Promise.all([proc.exited, new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
    expect({ exitedWithAReport: code === 0 || code === 1, stderr: code <= 1 ? "" : stderr }).toEqual({ exitedWithAReport: true, stderr: "" });
    for (const id of ["0000", "0001", "0002", "0003", "0004"]) {
      expect(existsSync(join(out, `${id}.cpuprofile`))).toBe(true);
      expect(existsSync(join(out, `${id}.md`))).toBe(true);
      expect(stdout).toMatch(new RegExp(`^${id}[^\\n]*: \\d+ samples`, "m"));
    }
    expect(stdout).toContain("(leader at the end)");
    expect(stdout).toMatch(/^correct: (true|false)/m);
    expect(stdout).toContain("samples counted from 2 s after each replica started");
  }, 120_000);
});
