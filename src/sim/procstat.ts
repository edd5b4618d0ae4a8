// Peak memory and CPU time of a replica, read from /proc just before we end it (Linux
// only; elsewhere the fields stay null). VmHWM is the peak resident set size.
import { readFileSync } from "node:fs";

export interface ProcUsage {
  peakRssKb: number | null;
  cpuSeconds: number | null;
}

/** USER_HZ, the unit of utime/stime: 100 on every Linux we run on. */
const CLOCK_TICKS = 100;

export function readProcUsage(pid: number | undefined): ProcUsage {
  if (pid === undefined) return { peakRssKb: null, cpuSeconds: null };
  return { peakRssKb: peakRss(pid), cpuSeconds: cpuTime(pid) };
}

/** A file under /proc, or null where there is none (not Linux, or the process is gone). */
export function readProcFile(path: string): string | null {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return null;
  }
}

function peakRss(pid: number): number | null {
  const status = readProcFile(`/proc/${pid}/status`);
  const match = status === null ? null : /^VmHWM:\s+(\d+)\s+kB/m.exec(status);
  return match ? Number(match[1]) : null;
}

function cpuTime(pid: number): number | null {
  const stat = readProcFile(`/proc/${pid}/stat`);
  if (stat === null) return null;
  // The command name (field 2) may hold spaces; the fields after its ")" are fixed.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // utime and stime are fields 14 and 15 of the whole line: 12 and 13 after ")".
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return Number.isFinite(utime) && Number.isFinite(stime) ? (utime + stime) / CLOCK_TICKS : null;
}
