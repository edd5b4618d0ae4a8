// The dst command line: modes, ranges, and clear errors for bad input.
import { expect, test } from "bun:test";
import { parseDstArgs, UsageError } from "../src/dst/cli-args.ts";

test("modes parse", () => {
  expect(parseDstArgs(["--seed", "42", "--trace"])).toEqual({ kind: "one", seed: 42, trace: true, strictReplies: false });
  expect(parseDstArgs(["--seeds", "100000"])).toEqual({ kind: "soak", from: 1, to: 100000, strictReplies: false });
  expect(parseDstArgs(["--seeds", "5-9", "--mix", "churn", "--size", "7"])).toEqual({ kind: "soak", from: 5, to: 9, mix: "churn", size: 7, strictReplies: false });
  expect(parseDstArgs(["--fuzz", "100000"])).toEqual({ kind: "fuzz", count: 100000, seed: 1 });
  expect(parseDstArgs(["-h"])).toEqual({ kind: "help" });
});

test("bad input is refused with a clear message", () => {
  const cases: [string[], RegExp][] = [
    [[], /exactly one of/],
    [["--seed", "1", "--seeds", "2"], /exactly one of/],
    [["--seed=-3"], /--seed must be an integer/],
    [["--seed", "-3"], /ambiguous/],
    [["--seed", "1.5"], /--seed must be an integer/],
    [["--seed", "abc"], /--seed must be an integer/],
    [["--seeds", "9-3"], /empty/],
    [["--seeds", "0"], /--seeds must be an integer/],
    [["--seeds", "2", "--trace"], /--trace goes with --seed/],
    [["--seed", "1", "--mix", "storm"], /unknown --mix/],
    [["--seed", "1", "--size", "2"], /--size must be an integer in 3..9/],
    [["--bogus"], /Unknown option/],
    [["stray"], /positional/i],
  ];
  for (const [argv, message] of cases) {
    expect(() => parseDstArgs(argv), argv.join(" ")).toThrow(UsageError);
    expect(() => parseDstArgs(argv), argv.join(" ")).toThrow(message);
  }
});
