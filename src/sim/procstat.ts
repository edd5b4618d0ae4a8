// Peak memory and CPU time of a replica, read from /proc just before we end it (Linux
// only; elsewhere the fields stay null). VmHWM is the peak resident set size.
import { readdirSync, readFileSync } from "node:fs";

export interface ProcUsage {
  peakRssKb: number | null;
  cpuSeconds: number | null;
  /**
   * The same CPU time split by thread name (see cpuByThread): where a runtime's own
   * threads (its JIT, its allocator, its collector) spend beside the program's.
   */
  cpuByThread: Record<string, number> | null;
}

/** What is known of a process not (or no longer) there to read. */
export const UNMEASURED: ProcUsage = Object.freeze({ peakRssKb: null, cpuSeconds: null, cpuByThread: null });

/** USER_HZ, the unit of utime/stime: 100 on every Linux we run on. */
const CLOCK_TICKS = 100;

export function readProcUsage(pid: number | undefined): ProcUsage {
  if (pid === undefined) return UNMEASURED;
  const ticks = cpuTime(pid);
  const threads = ticks === null ? null : cpuByThread(pid, ticks);
  return { peakRssKb: peakRss(pid), cpuSeconds: threads?.seconds ?? ticks, cpuByThread: threads?.split ?? null };
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
  return stat === null ? null : statCpuSeconds(stat);
}

/** User plus system time of a process's or a thread's `stat` line. */
function statCpuSeconds(stat: string): number | null {
  // The command name (field 2) may hold spaces; the fields after its ")" are fixed.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // utime and stime are fields 14 and 15 of the whole line: 12 and 13 after ")".
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return Number.isFinite(utime) && Number.isFinite(stime) ? (utime + stime) / CLOCK_TICKS : null;
}

/** The name of the process's own first thread, whatever its command is called. */
export const MAIN_THREAD = "main";
/** Threads that ended before we looked: the process's total less its live threads'. */
const ENDED_THREADS = "ended";

/**
 * CPU seconds of the live threads of `pid`, summed by name (a pool's threads share one:
 * JavaScriptCore's compiler threads are all `JITWorker`, "Bun Pool 0" and "Bun Pool 1"
 * are "Bun Pool"), the first thread as MAIN_THREAD, and what is left of `totalSeconds`
 * as ENDED_THREADS; with the process's CPU, the larger of `totalSeconds` (truncated to
 * ticks) and the live threads' exact sum. Null when /proc has no thread list.
 *
 * Each thread's time is read in nanoseconds (threadSeconds): in ticks, every thread's
 * utime and stime are truncated apart, and a replica's seven-odd threads lost about
 * 0.05-0.1 s between them, which showed up here as threads that had ended when none had.
 */
function cpuByThread(pid: number, totalSeconds: number): { split: Record<string, number>; seconds: number } | null {
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return null;
  }
  const byName: Record<string, number> = {};
  let live = 0;
  for (const tid of tids) {
    const stat = readProcFile(`/proc/${pid}/task/${tid}/stat`);
    if (stat === null) continue; // ended between the listing and the read
    const seconds = threadSeconds(pid, tid, stat);
    if (seconds === null) continue;
    const name = tid === String(pid) ? MAIN_THREAD : threadName(stat);
    byName[name] = (byName[name] ?? 0) + seconds;
    live += seconds;
  }
  // The process's own count is truncated to ticks (and was read a moment earlier): only
  // more than that error says threads have ended.
  const ended = Math.round((totalSeconds - live) * CLOCK_TICKS) / CLOCK_TICKS;
  if (ended >= TOTAL_TICKS_ERROR) byName[ENDED_THREADS] = ended;
  return { split: byName, seconds: Math.max(totalSeconds, live) };
}

/** How far the process's utime + stime, each truncated to ticks, may fall below its exact time. */
const TOTAL_TICKS_ERROR = 2 / CLOCK_TICKS;

/**
 * A thread's CPU time: the first field of its `schedstat` (nanoseconds on the CPU, user
 * and system together) where the kernel keeps it, else its `stat` in ticks.
 */
function threadSeconds(pid: number, tid: string, stat: string): number | null {
  const schedstat = readProcFile(`/proc/${pid}/task/${tid}/schedstat`);
  const nanoseconds = schedstat === null ? Number.NaN : Number(schedstat.slice(0, schedstat.indexOf(" ")));
  return Number.isFinite(nanoseconds) && nanoseconds >= 0 ? nanoseconds / 1e9 : statCpuSeconds(stat);
}

/** A thread's name from its `stat` line, numbered pools ("Bun Pool 3") under one name. */
export function threadName(stat: string): string {
  const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
  return comm.replace(/[\s#-]*\d+$/, "") || comm;
}
