// When a process read and wrote each of its packets, on a clock every process on the host
// shares: opt-in (the replica's KV_TIMES, `bun run sim --times`; PacketSocket notes them),
// for `bun run hops --times`, which splits each simulator crossing into the reader's
// wake-up, its own work and the way back. A crossing's time is mostly not the replica's
// code (docs/performance.md).
import { readFileSync, writeFileSync } from "node:fs";

/** Milliseconds since the epoch, to the microsecond: comparable between processes. */
export function sharedClockMs(): number {
  return performance.timeOrigin + performance.now();
}

/** One process's packets in order: when its callback got each one, when it began each write. */
export interface PacketTimes {
  readonly received: number[];
  readonly sent: number[];
}

/** Collects the times in memory; `save` writes them (at exit: no I/O between packets). */
export class PacketTimesRecorder implements PacketTimes {
  readonly received: number[] = [];
  readonly sent: number[] = [];

  constructor(private readonly path: string) {}

  /** Returns false, and never throws, when the file cannot be written. */
  save(): boolean {
    const lines = [...this.received.map((t) => `r ${t.toFixed(3)}`), ...this.sent.map((t) => `s ${t.toFixed(3)}`)];
    try {
      writeFileSync(this.path, `${lines.join("\n")}\n`);
      return true;
    } catch {
      return false;
    }
  }
}

/** A recorder for `path` that saves as the process exits; `onSaveFailed` hears if it could not. */
export function recordPacketTimesAtExit(path: string, onSaveFailed?: () => void): PacketTimesRecorder {
  const recorder = new PacketTimesRecorder(path);
  process.on("exit", () => recorder.save() || onSaveFailed?.());
  return recorder;
}

/** Reads what `save` wrote; lines it does not know are an error, with the line number. */
export function parsePacketTimes(text: string): PacketTimes {
  const received: number[] = [];
  const sent: number[] = [];
  text.split("\n").forEach((line, i) => {
    if (line === "") return;
    const m = /^([rs]) (\d+(?:\.\d+)?)$/.exec(line);
    if (!m) throw new Error(`line ${i + 1} is not "r <ms>" or "s <ms>": ${JSON.stringify(line.slice(0, 80))}`);
    (m[1] === "r" ? received : sent).push(Number(m[2]));
  });
  return { received, sent };
}

export function readPacketTimes(path: string): PacketTimes {
  return parsePacketTimes(readFileSync(path, "utf8"));
}
