// `bun run suite --floor --straightforward` end to end on a small quiet scenario: the floor
// replica and the straightforward build run compiled as ours is, beside ours; the floor's
// start-up and resources are reported apart, and our messages as a share of the
// straightforward build's.
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { SuiteReport } from "../src/sim/suite.ts";

const SUITE = resolve(import.meta.dir, "../src/sim/suite.ts");
const FLOOR_SCRIPT = resolve(import.meta.dir, "fixtures/floor-replica.ts");
const dir = mkdtempSync(join(tmpdir(), "kvsuite-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("--floor and --straightforward run their compiled replicas beside ours and report them", async () => {
  const scenario = join(dir, "quiet.json");
  writeFileSync(scenario, JSON.stringify({ lifetime: 5, replicas: 3, requests: 100, mix: 0, start_wait: 1, end_wait: 0.5, seed: 5 }));
  const json = join(dir, "report.json");
  // Ours is the floor script here: the test is about the suite, not about our replica.
  const proc = Bun.spawn([process.execPath, SUITE, scenario, "--replica", FLOOR_SCRIPT, "--floor", "--straightforward", "--lifetime", "2", "--json", json], { stdout: "pipe", stderr: "pipe" });
  const [code, out, err] = await Promise.all([proc.exited, new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  expect(`${code}\n${err}`).toStartWith("0\n");
  const report = JSON.parse(readFileSync(json, "utf8")) as SuiteReport;
  expect(report.runs).toHaveLength(1);
  expect(report.floorRuns).toHaveLength(1);
  // Compiled (scripts/build.ts), not the script that ours ran as.
  expect(report.floorReplica).toEndWith("/floor-replica");
  expect(report.floorRuns[0]!.replica).toBe(report.floorReplica!);
  expect(report.floorResources!.replicas).toBe(3);
  expect(report.floorResources!.connectMs!.p50).toBeGreaterThan(0);
  expect(report.resources.replicas).toBe(3);
  expect(out).toContain("Replicas (3): start to connected p50");
  expect(out).toContain("Floor replicas (3): start to connected p50");
  expect(out).toContain("Latency floor (trivial replica on quiet)");
  // The straightforward build: compiled, run once on the same scenario and seed, its
  // messages beside ours (here the floor script's, which broadcasts once a put).
  expect(report.straightforwardReplica).toEndWith("/straightforward-replica");
  expect(report.straightforwardRuns).toHaveLength(1);
  expect(report.straightforwardRuns[0]!.verdict.correct).toBe(true);
  const [row] = report.straightforward!.rows;
  expect(row).toMatchObject({ scenario: "quiet", runs: 1, theirs: report.straightforwardRuns[0]!.stats.totalMsgs, ours: report.runs[0]!.stats.totalMsgs });
  expect(row!.share).toBeCloseTo(row!.ours! / row!.theirs);
  expect(row!.theirPutP50).toBe(report.straightforwardRuns[0]!.extras.latency.put.p50);
  expect(row!.ourPutP50).toBe(report.runs[0]!.extras.latency.put.p50);
  expect(out).toContain("Straightforward build (textbook Raft");
}, 60_000);
