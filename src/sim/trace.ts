// The packet trace both simulators write (`bun run sim --trace`, runVirtual's `trace`):
// one line per packet, "<seconds> to <id>: <packet>" as the simulator delivers it to a
// replica and "<seconds> from <id>: <packet>" as it reads one from a replica. `bun run
// hops` reads it back. The real simulator's trace starts with "# origin <ms>": its zero on
// the clock every process shares (packet-times.ts), to join the replicas' own times.

/** One traced packet: delivered `to` a replica, or read `from` one; `at` in milliseconds. */
export interface Traced {
  readonly at: number;
  readonly dir: "to" | "from";
  readonly id: string;
  readonly msg: Record<string, unknown>;
}

const textDecoder = new TextDecoder();

/** The trace line for a packet at `seconds` since the run's start, to the microsecond. */
export function packetTraceLine(seconds: number, dir: "to" | "from", id: string, packet: string | Uint8Array): string {
  return `${seconds.toFixed(6)} ${dir} ${id}: ${typeof packet === "string" ? packet : textDecoder.decode(packet)}`;
}

/** The first line of a real run's trace: where its zero is, in milliseconds since the epoch. */
export function traceOriginLine(epochMs: number): string {
  return `# origin ${epochMs.toFixed(3)}`;
}

/** The origin a trace names, if it names one. */
export function parseTraceOrigin(lines: readonly string[]): number | undefined {
  for (const line of lines) {
    const m = /^# origin (\d+(?:\.\d+)?)$/.exec(line);
    if (m) return Number(m[1]);
  }
  return undefined;
}

const LINE = /^(\d+(?:\.\d+)?) (to|from) ([0-9A-Fa-f]{4}): (\{.*\})$/;

/** The packets of a trace; other lines (a DST trace's, say) are skipped. */
export function parseTrace(lines: readonly string[]): Traced[] {
  const out: Traced[] = [];
  for (const line of lines) {
    const m = LINE.exec(line);
    if (!m) continue;
    try {
      const msg: unknown = JSON.parse(m[4]!);
      if (typeof msg === "object" && msg !== null && !Array.isArray(msg)) out.push({ at: Number(m[1]) * 1000, dir: m[2] as "to" | "from", id: m[3]!, msg: msg as Record<string, unknown> });
    } catch {
      // not a packet line
    }
  }
  return out;
}
