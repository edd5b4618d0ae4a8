// The replica's one timer, armed for the Raft core's next deadline (Replica.nextDeadline()).
//
// It follows the deadline both ways, as the deterministic simulation's clock does: a timer
// left at an earlier deadline (most often a retransmission that an answer made unneeded)
// woke the process for nothing. And its delay is rounded up to whole milliseconds: Bun's
// setTimeout drops the fraction (2.7 ms fires after ~2.1), so a fractional delay fired
// early, found nothing due, and armed again for the rest. Measured on a busy leader
// (unreliable-2 seed 1, 30 s): 734 timer wake-ups of which 566 did nothing, against 180
// and none (docs/performance.md, "Twenty-sixth pass").

/** What the timer needs from the runtime: setTimeout and clearTimeout, or a test's fakes. */
export interface TimerRuntime {
  set(callback: () => void, delayMs: number): unknown;
  clear(handle: unknown): void;
}

const RUNTIME: TimerRuntime = {
  set: (callback, delayMs) => setTimeout(callback, delayMs),
  clear: (handle) => clearTimeout(handle as Timer),
};

export class DeadlineTimer {
  private handle: unknown;
  private armedFor = Number.POSITIVE_INFINITY;

  constructor(
    private readonly onDue: () => void,
    private readonly runtime: TimerRuntime = RUNTIME,
  ) {}

  /** The deadline the timer is armed for; +Infinity when it is not armed. */
  get deadline(): number {
    return this.armedFor;
  }

  /**
   * Arms the timer to call `onDue` at `deadline` (the clock reads `now`), or not at all
   * for +Infinity (or NaN); whatever it was armed for before is dropped. A deadline
   * already passed, -Infinity included (a follower never sent to), fires on the
   * runtime's next turn.
   */
  arm(deadline: number, now: number): void {
    if (deadline === this.armedFor) return;
    if (this.handle !== undefined) this.runtime.clear(this.handle);
    this.armedFor = deadline;
    this.handle = deadline < Number.POSITIVE_INFINITY ? this.runtime.set(this.fire, Math.ceil(Math.max(0, deadline - now))) : undefined;
  }

  private readonly fire = (): void => {
    this.handle = undefined;
    this.armedFor = Number.POSITIVE_INFINITY;
    this.onDue();
  };
}
