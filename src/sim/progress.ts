// The suite's live progress line on stderr: what runs, how far along, and the time left.
// On a terminal it rewrites one line; elsewhere (CI logs) it prints a line per finished run.

export interface JobView {
  label: string;
  lifetime: number;
  startedAt: number | undefined;
  done: boolean;
}

/** Expected wall time of one run beyond its lifetime: starting and stopping replicas. */
const OVERHEAD_S = 1.5;

export function progressLine(jobs: readonly JobView[], parallel: number, nowMs: number): string {
  const done = jobs.filter((j) => j.done).length;
  const running = jobs.filter((j) => !j.done && j.startedAt !== undefined);
  let work = 0;
  for (const j of jobs) {
    if (j.done) continue;
    const elapsed = j.startedAt === undefined ? 0 : (nowMs - j.startedAt) / 1000;
    work += Math.max(0, j.lifetime + OVERHEAD_S - elapsed);
  }
  const left = work / Math.max(1, Math.min(parallel, jobs.length - done));
  const now = running.map((j) => `${j.label} ${Math.min(j.lifetime, (nowMs - j.startedAt!) / 1000).toFixed(0)}/${j.lifetime.toFixed(0)}s`);
  return `[${done}/${jobs.length}] ${now.join(", ") || "starting"} — about ${formatDuration(left)} left`;
}

export function formatDuration(seconds: number): string {
  const s = Math.ceil(seconds);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s` : `${s}s`;
}

export class Progress {
  private timer: Timer | undefined;
  private readonly tty = Boolean(process.stderr.isTTY);

  constructor(
    private readonly jobs: readonly JobView[],
    private readonly parallel: number,
  ) {}

  start(): void {
    if (this.tty) this.timer = setInterval(() => this.draw(), 500);
  }

  /** A run finished: on a terminal the line is redrawn; otherwise one log line. */
  finished(job: JobView, verdict: string): void {
    if (this.tty) this.draw();
    else process.stderr.write(`${progressLine(this.jobs, this.parallel, performance.now())} (${job.label}: ${verdict})\n`);
  }

  stop(): void {
    clearInterval(this.timer);
    if (this.tty) process.stderr.write("\r\x1b[K");
  }

  private draw(): void {
    const line = progressLine(this.jobs, this.parallel, performance.now());
    const width = process.stderr.columns ?? 120;
    process.stderr.write(`\r\x1b[K${line.slice(0, width - 1)}`);
  }
}
