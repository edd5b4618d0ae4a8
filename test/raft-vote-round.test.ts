// VoteRound on its own: how many times a campaign round asks each peer, and when it stops.
// The elections themselves are in test/raft-election.test.ts and the DST.
import { describe, expect, test } from "bun:test";
import { VoteRound } from "../src/raft/vote-round.ts";

const never = () => false;
const always = () => true;

/** Asks every peer it would in each try, at 60 ms steps, until it stops; how often each was asked. */
function askAll(round: VoteRound, peers: string[], candidate: boolean, stillSilent = never): Map<string, number> {
  const asked = new Map<string, number>(peers.map((p) => [p, 0]));
  let now = 0;
  for (let i = 0; i < 20 && Number.isFinite(now); i++) {
    for (const peer of peers) if (round.asks(peer, candidate, stillSilent)) asked.set(peer, asked.get(peer)! + 1);
    round.noteAsked(now);
    now = round.retryAt(candidate);
  }
  return asked;
}

describe("VoteRound", () => {
  test("a majority of five is ourselves and two grants", () => {
    const round = new VoteRound("0000", 5);
    round.start(0);
    round.grant("0001");
    expect(round.won()).toBe(false);
    round.grant("0002");
    expect(round.won()).toBe(true);
    round.clearGrants();
    expect(round.won()).toBe(false);
  });

  test("asks each silent peer three times, 60 ms apart, and never one that answered", () => {
    const round = new VoteRound("0000", 5);
    round.start(0);
    round.noteAnswered("0001");
    expect(Object.fromEntries(askAll(round, ["0001", "0002", "0003"], false))).toEqual({ "0001": 0, "0002": 3, "0003": 3 });
    const timed = new VoteRound("0000", 5);
    timed.start(0);
    timed.noteAsked(10);
    expect(timed.retryAt(false)).toBe(70);
    timed.noteAsked(70);
    timed.noteAsked(130);
    expect(timed.retryAt(false)).toBe(Number.POSITIVE_INFINITY);
  });

  test("as candidate, asks a peer that granted the pre-vote eight times; the others still three", () => {
    const round = new VoteRound("0000", 5);
    round.start(0);
    round.grant("0001");
    round.grant("0002");
    round.carryPreGrants();
    round.start(100);
    expect(Object.fromEntries(askAll(round, ["0001", "0002", "0003"], true))).toEqual({ "0001": 8, "0002": 8, "0003": 3 });
    // A pre-vote round itself gives nobody more.
    round.start(200);
    expect(Object.fromEntries(askAll(round, ["0001", "0003"], false))).toEqual({ "0001": 3, "0003": 3 });
  });

  test("asks the leader whose silence started the campaign once, unless it is heard again", () => {
    const round = new VoteRound("0000", 5);
    round.campaignAgainst("0004");
    round.start(0);
    expect(askAll(round, ["0003", "0004"], false, always).get("0004")).toBe(1);
    round.start(1000);
    expect(askAll(round, ["0003", "0004"], false, never).get("0004")).toBe(3);
  });
});
