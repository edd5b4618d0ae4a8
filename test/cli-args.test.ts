// The replica's command line: IDs in, a clear error for anything else.
import { describe, expect, test } from "bun:test";
import { parseReplicaArgs } from "../src/cli-args.ts";

describe("parseReplicaArgs", () => {
  test("my ID first, then the others", () => {
    expect(parseReplicaArgs(["0000", "0001", "00aF"], {})).toEqual({ ok: true, args: { id: "0000", peers: ["0001", "00aF"], debug: false } });
  });

  test("--debug anywhere, or KV_DEBUG set to anything but 0", () => {
    expect(parseReplicaArgs(["0000", "--debug", "0001"], {})).toEqual({ ok: true, args: { id: "0000", peers: ["0001"], debug: true } });
    expect(parseReplicaArgs(["0000"], { KV_DEBUG: "1" })).toMatchObject({ ok: true, args: { debug: true } });
    expect(parseReplicaArgs(["0000"], { KV_DEBUG: "0" })).toMatchObject({ ok: true, args: { debug: false } });
  });

  test.each([
    [[], "usage"],
    [["0000", "--verbose"], "unknown option --verbose"],
    [["0000", "-d"], "unknown option -d"],
    [["000"], "4 hexadecimal characters"],
    [["0000", "00G0"], "4 hexadecimal characters (argument ids.1)"],
    [["0000", "0001", "0000"], "distinct"],
  ])("refuses %j", (argv, message) => {
    const parsed = parseReplicaArgs(argv, {});
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toContain(message);
  });
});
