// How much CPU the hypervisor took from this machine during a run: the "steal" time of
// /proc/stat. Latencies measured while a VM's host is busy are partly the host's; each
// run reports its steal so that a slow run can be told from a slow replica. Linux only:
// elsewhere (or without /proc) the figure is null.
import { readProcFile } from "./procstat.ts";

/** Cumulative CPU time of all CPUs, in USER_HZ ticks. */
export interface CpuTimes {
  readonly steal: number;
  readonly total: number;
}

export interface HostSteal {
  /** Steal as a percentage of all CPU time over the whole run. */
  readonly meanPercent: number;
  /** The same over the worst sampling window (one second by default). */
  readonly maxPercent: number;
}

/** The aggregate `cpu` line of /proc/stat; steal is its eighth number. */
export function parseCpuTimes(procStat: string): CpuTimes | null {
  const newline = procStat.indexOf("\n");
  const line = newline === -1 ? procStat : procStat.slice(0, newline);
  if (!line.startsWith("cpu ")) return null;
  const fields = line.slice(4).trim().split(/\s+/).map(Number);
  if (fields.length < 8 || fields.some((n) => !Number.isFinite(n))) return null;
  // user nice system idle iowait irq softirq steal; guest time (fields 9-10, when
  // present) is already counted in user and nice.
  let total = 0;
  for (let i = 0; i < 8; i++) total += fields[i]!;
  return { steal: fields[7]!, total };
}

/** Steal between two readings, as a percentage of the CPU time between them. */
export function stealPercent(from: CpuTimes, to: CpuTimes): number | null {
  const total = to.total - from.total;
  return total > 0 ? (100 * (to.steal - from.steal)) / total : null;
}

export function readCpuTimes(): CpuTimes | null {
  const procStat = readProcFile("/proc/stat");
  return procStat === null ? null : parseCpuTimes(procStat);
}

/**
 * Steal over a run and over each window between two samples. `sample()` is called on a
 * timer (sampleHostSteal) or by hand (tests); `stop()` takes a last sample and returns
 * the run's figures, null when /proc/stat could not be read at both ends.
 */
export class StealSampler {
  private readonly first: CpuTimes | null;
  private last: CpuTimes | null;
  private max = 0;

  constructor(private readonly read: () => CpuTimes | null = readCpuTimes) {
    this.first = read();
    this.last = this.first;
  }

  sample(): void {
    const now = this.read();
    if (now === null) return;
    const percent = this.last === null ? null : stealPercent(this.last, now);
    if (percent !== null && percent > this.max) this.max = percent;
    this.last = now;
  }

  stop(): HostSteal | null {
    this.sample();
    const mean = this.first === null || this.last === null ? null : stealPercent(this.first, this.last);
    return mean === null ? null : { meanPercent: mean, maxPercent: Math.max(this.max, mean) };
  }
}

/** Samples every `intervalMs` (one reading of /proc/stat each) until `stop()`. */
export function sampleHostSteal(intervalMs = 1000): { stop(): HostSteal | null } {
  const sampler = new StealSampler();
  const timer = setInterval(() => sampler.sample(), intervalMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      return sampler.stop();
    },
  };
}
