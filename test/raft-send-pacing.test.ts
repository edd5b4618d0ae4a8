// SendPacing on its own: when a leader sends to a follower again, from what it knows of
// that follower (its Progress) and of the network (round trips, the loss estimate). The
// back-off as the leader lives it is in test/raft-relay.test.ts.
import { describe, expect, test } from "bun:test";
import { LossEstimate } from "../src/raft/fanout.ts";
import { Progress } from "../src/raft/progress.ts";
import { awaitingAnswer, HEARTBEAT_RETRY_MS, SendPacing } from "../src/raft/send-pacing.ts";

const config = { heartbeatInterval: 1000, retransmitInterval: 4 };

/** A follower in step that answered our send at `heardAt`, sent to again at `sentAt`. */
function follower(sentAt: number, options: { heardAt?: number; inFlight?: boolean; retransmits?: number } = {}): Progress {
  const progress = new Progress(11, 0);
  progress.probing = false;
  progress.match = 10;
  progress.heard(options.heardAt ?? sentAt, options.heardAt ?? sentAt);
  progress.lastSentAt = sentAt;
  if (options.inFlight) progress.next = 13;
  progress.retransmits = options.retransmits ?? 0;
  return progress;
}

/** A loss estimate after `lost` of every ten direct round trips failed, 200 in all. */
function lossy(lost: number): LossEstimate {
  const loss = new LossEstimate();
  for (let i = 0; i < 200; i++) loss.record(i % 10 >= lost, 2);
  return loss;
}

describe("SendPacing", () => {
  test("a follower that answered everything is sent to a heartbeat after the last send", () => {
    const pacing = new SendPacing(config, new LossEstimate());
    const progress = follower(500);
    expect(awaitingAnswer(progress)).toBe(false);
    expect(pacing.resendAt(progress, true)).toBe(1500);
  });

  test("unanswered entries are retried after three round trips, between half and all of the interval", () => {
    const pacing = new SendPacing(config, new LossEstimate());
    const progress = follower(100, { heardAt: 90, inFlight: true });
    expect(awaitingAnswer(progress)).toBe(true);
    // No round trip measured yet: the whole interval.
    expect(pacing.resendAt(progress, true)).toBe(104);
    // Chains' round trips set the wait while chains pay; a fast one is held at half the interval.
    pacing.noteRoundTrip(1, true);
    expect(pacing.resendAt(progress, true)).toBe(103);
    pacing.noteRoundTrip(1, true);
    for (let i = 0; i < 50; i++) pacing.noteRoundTrip(0.2, true);
    expect(pacing.resendAt(progress, true)).toBe(102);
    // Direct round trips do not move the chains' timer.
    pacing.noteRoundTrip(100, false);
    expect(pacing.resendAt(progress, true)).toBe(102);
  });

  test("after two quick retries the wait grows fourfold under light loss, twofold under heavy", () => {
    const light = new SendPacing(config, new LossEstimate());
    const waits = [0, 1, 2, 3, 4, 5].map((retransmits) => light.resendAt(follower(0, { heardAt: -10, inFlight: true, retransmits }), true));
    expect(waits).toEqual([4, 4, 4, 16, 64, 256]);
    const heavyLoss = lossy(5);
    const heavy = new SendPacing(config, heavyLoss);
    expect(heavy.chainsPay()).toBe(false);
    for (let i = 0; i < 50; i++) heavy.noteRoundTrip(1, false);
    const heavyWaits = [0, 1, 2, 3, 4, 5].map((retransmits) => heavy.resendAt(follower(0, { heardAt: -10, inFlight: true, retransmits }), true));
    // Every retry follows the direct round trip (three of 1 ms), doubling after the quick ones.
    expect(heavyWaits).toEqual([3, 3, 3, 6, 12, 24]);
  });

  test("the back-off never goes past the heartbeat pace", () => {
    const pacing = new SendPacing(config, new LossEstimate());
    expect(pacing.resendAt(follower(0, { heardAt: -10, inFlight: true, retransmits: 12 }), true)).toBe(1000);
  });

  test("an unanswered heartbeat is retried no sooner than HEARTBEAT_RETRY_MS", () => {
    const pacing = new SendPacing(config, new LossEstimate());
    const progress = follower(2000, { heardAt: 1000 });
    expect(awaitingAnswer(progress)).toBe(true);
    expect(pacing.resendAt(progress, true)).toBe(2000 + HEARTBEAT_RETRY_MS);
  });

  test("a send the leader does not call urgent waits for the heartbeat pace", () => {
    const pacing = new SendPacing(config, new LossEstimate());
    expect(pacing.resendAt(follower(100, { heardAt: 90, inFlight: true }), false)).toBe(1100);
  });

  test("a follower that never answered slows to half its silence, at most eight intervals", () => {
    const pacing = new SendPacing(config, new LossEstimate());
    const silentFor = (silence: number) => {
      const progress = new Progress(1, 0);
      progress.lastSentAt = silence;
      return pacing.resendAt(progress, false) - silence;
    };
    expect(silentFor(3999)).toBe(1000);
    expect(silentFor(6000)).toBe(3000);
    expect(silentFor(30000)).toBe(8000);
    // Once it answered in this term, the plain heartbeat pace again.
    const answered = follower(30000, { heardAt: 0 });
    expect(pacing.resendAt(answered, false)).toBe(31000);
  });

  test("chains pay while most of them get through: about 20% loss a message is the line", () => {
    expect(new SendPacing(config, new LossEstimate()).chainsPay()).toBe(true);
    expect(new SendPacing(config, lossy(2)).chainsPay()).toBe(true);
    expect(new SendPacing(config, lossy(4)).chainsPay()).toBe(false);
  });

  test("a probe awaits an answer until the follower says anything after it", () => {
    const probe = new Progress(5, 0);
    probe.lastSentAt = 10;
    expect(awaitingAnswer(probe)).toBe(true);
    probe.heard(12, 10);
    expect(awaitingAnswer(probe)).toBe(false);
  });
});
