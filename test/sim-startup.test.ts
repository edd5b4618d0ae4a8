// `bun run startup`: its arguments, its table, and one real timed start.
import { describe, expect, test } from "bun:test";
import { resolve } from "node:path";
import { formatStartup, parseStartupArgs, timeStarts, type StartupRow } from "../src/sim/startup.ts";
import { UsageError } from "../src/util/usage.ts";

const FLOOR_SCRIPT = resolve(import.meta.dir, "fixtures/floor-replica.ts");

describe("parseStartupArgs", () => {
  test("defaults: ours and the floor, 20 rounds, 5 at a time", () => {
    expect(parseStartupArgs([])).toEqual({ help: false, programs: [], rounds: 20, together: 5 });
    expect(parseStartupArgs(["a", "b", "--rounds", "3", "--together", "3"])).toEqual({ help: false, programs: ["a", "b"], rounds: 3, together: 3 });
  });

  test.each([
    [["--rounds", "0"], "--rounds must be an integer in 1..10000"],
    [["--rounds", "2.5"], "--rounds must be an integer"],
    [["--together", "1"], "--together must be an integer in 2..16"],
    [["--together", "x"], "--together must be an integer"],
    [["--jobs", "2"], "Unknown option"],
  ])("%p is refused", (argv, message) => {
    expect(() => parseStartupArgs(argv)).toThrow(UsageError);
    expect(() => parseStartupArgs(argv)).toThrow(message);
  });
});

describe("formatStartup", () => {
  test("percentiles, starts over 50 ms, and replicas that never connected", () => {
    const rows: StartupRow[] = [
      { program: "/x/3700kvstore", alone: [20, 30, 60], together: [40, 55, 70, null] },
      { program: "/x/floor", alone: [10, 12, 14], together: [] },
    ];
    expect(formatStartup(rows, 4, new Map([["/x/floor", "floor replica"]]))).toBe(
      [
        "start to connected, ms (spawn to accepted connection)",
        "program         alone p50   p90   max  > 50 ms  4 at once p50   p90   max         > 50 ms",
        "/x/3700kvstore       30.0  60.0  60.0      1/3           55.0  70.0  70.0  2/3 (+1 never)",
        "floor replica        12.0  14.0  14.0      0/3            n/a   n/a   n/a             0/0",
      ].join("\n"),
    );
  });
});

describe("timeStarts", () => {
  test("times each replica from its own spawn to its connection", async () => {
    const times = await timeStarts(FLOOR_SCRIPT, 2, 3);
    expect(times).toHaveLength(2);
    for (const t of times) {
      expect(t).not.toBeNull();
      expect(t!).toBeGreaterThan(0);
    }
  });

  test("a program that exits without connecting is reported as such, without waiting out the timeout", async () => {
    // With a timeout far beyond the test's own, only noticing the exit can end the wait.
    const times = await timeStarts("/bin/true", 1, 2, 600_000);
    expect(times).toEqual([null]);
  });
});
