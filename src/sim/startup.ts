// `bun run startup`: how long a replica takes from its spawn to its connection, the
// issue's start-up target, measured apart from any scenario and beside the floor replica
// compiled the same way (what the runtime and the host cost alone). Each round starts
// every program alone and then K at a time, as the simulator starts a cluster, the
// programs interleaved so that a change in the host's load touches them all alike.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { closeFd } from "../net/libc.ts";
import { PacketListener } from "../net/listener.ts";
import { integerOption, parseOptions, parseOrUsage } from "../util/usage.ts";
import { killGroupsSync, registerCleanup, removeDir, runCommand } from "./cleanup.ts";
import { replicaIds } from "./ids.ts";
import { pageIn } from "./page-in.ts";
import { resolveFloorReplica, resolveReplica } from "./replica-path.ts";
import { percentile } from "./stats.ts";

export const USAGE = `usage: bun run startup [programs...] [options]
  programs        replica programs to time (default ./3700kvstore, rebuilt if stale,
                  and the floor replica, compiled as ours is)
  --rounds N      starts of each program per mode (default 20)
  --together K    the second mode starts K at a time, as a K-replica cluster (default 5)
  -h, --help      this text`;

/** A replica that has not connected by then counts as failed to start. */
const CONNECT_TIMEOUT_MS = 5000;

export interface StartupArgs {
  help: boolean;
  programs: string[];
  rounds: number;
  together: number;
}

export function parseStartupArgs(argv: string[]): StartupArgs {
  const { values, positionals } = parseOptions({
    args: argv,
    strict: true,
    allowPositionals: true,
    options: {
      rounds: { type: "string" },
      together: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  return {
    help: values.help,
    programs: positionals,
    rounds: values.rounds === undefined ? 20 : integerOption("rounds", values.rounds, 1, 10_000),
    together: values.together === undefined ? 5 : integerOption("together", values.together, 2, 16),
  };
}

/** Milliseconds from spawn to accepted connection of each replica; null for one that never connected. */
export type StartTimes = (number | null)[];

/**
 * Starts the first `count` replicas of a `clusterSize` cluster of `program` at once in a
 * fresh directory, each with its own listener polled every millisecond and between spawns
 * (as src/sim/run.ts does), and kills them all once every one has connected, or has
 * exited, or `timeoutMs` has passed. Each is told of the whole cluster, started or not.
 */
export async function timeStarts(program: string, count: number, clusterSize: number, timeoutMs = CONNECT_TIMEOUT_MS): Promise<StartTimes> {
  const dir = mkdtempSync(join(tmpdir(), "kvstart-"));
  const cluster = replicaIds(clusterSize);
  const ids = cluster.slice(0, count);
  const started: number[] = [];
  const connected: (number | null)[] = ids.map(() => null);
  const pgids: number[] = [];
  const exits: Promise<number>[] = [];
  const listeners: PacketListener[] = [];
  const unregister = registerCleanup(() => {
    killGroupsSync(pgids, 0);
    removeDir(dir);
  });
  const { promise: allConnected, resolve: connectedAll } = Promise.withResolvers<void>();
  try {
    ids.forEach((id, i) => {
      listeners.push(
        new PacketListener(
          join(dir, id),
          (fd) => {
            closeFd(fd);
            if (connected[i] !== null) return;
            connected[i] = performance.now();
            if (connected.every((at) => at !== null)) connectedAll();
          },
          1,
        ),
      );
    });
    for (const [i, id] of ids.entries()) {
      started[i] = performance.now();
      const proc = Bun.spawn([program, id, ...cluster.filter((other) => other !== id)], { cwd: dir, detached: true, stdin: "ignore", stdout: "ignore", stderr: "ignore" });
      pgids.push(proc.pid);
      exits.push(proc.exited);
      for (const listener of listeners) listener.acceptAll();
    }
    // Every process gone (a program that exits without connecting) ends the wait too.
    await Promise.race([allConnected, Promise.all(exits), Bun.sleep(timeoutMs)]);
    for (const listener of listeners) listener.acceptAll();
  } finally {
    for (const listener of listeners) listener.close();
    killGroupsSync(pgids, 0);
    // Gone before the next start, which they would otherwise compete with.
    await Promise.race([Promise.all(exits), Bun.sleep(1000)]);
    unregister();
    removeDir(dir);
  }
  return connected.map((at, i) => (at === null ? null : at - started[i]!));
}

export interface StartupRow {
  program: string;
  /** Started alone, then `together` at a time. */
  alone: StartTimes;
  together: StartTimes;
}

export async function measureStartup(programs: readonly string[], rounds: number, together: number, onRound?: (round: number) => void): Promise<StartupRow[]> {
  const rows: StartupRow[] = programs.map((program) => ({ program, alone: [], together: [] }));
  for (const program of programs) pageIn(program); // time the start, not the disk
  for (let round = 1; round <= rounds; round++) {
    for (const row of rows) row.alone.push(...(await timeStarts(row.program, 1, together)));
    for (const row of rows) row.together.push(...(await timeStarts(row.program, together, together)));
    onRound?.(round);
  }
  return rows;
}

/** p50, p90, max and starts over the issue's 50 ms, as table cells. */
function cells(times: StartTimes): string[] {
  const ok = times.filter((t): t is number => t !== null);
  const failed = times.length - ok.length;
  const over = `${ok.filter((t) => t > 50).length}/${ok.length}${failed > 0 ? ` (+${failed} never)` : ""}`;
  return [...[50, 90, 100].map((p) => (ok.length > 0 ? percentile(ok, p).toFixed(1) : "n/a")), over];
}

export function formatStartup(rows: readonly StartupRow[], together: number, names: ReadonlyMap<string, string>): string {
  const head = ["program", "alone p50", "p90", "max", "> 50 ms", `${together} at once p50`, "p90", "max", "> 50 ms"];
  const body = rows.map((r) => [names.get(r.program) ?? r.program, ...cells(r.alone), ...cells(r.together)]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (row: string[]) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("  ");
  return ["start to connected, ms (spawn to accepted connection)", line(head), ...body.map(line)].join("\n");
}

async function main(): Promise<number> {
  const args = parseOrUsage(USAGE, () => parseStartupArgs(process.argv.slice(2)));
  if (typeof args === "number") return args;
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  const names = new Map<string, string>();
  let programs: string[];
  if (args.programs.length > 0) {
    programs = args.programs.map((p) => resolve(p));
  } else {
    const ours = await resolveReplica(undefined);
    const floor = await resolveFloorReplica();
    names.set(ours, basename(ours)).set(floor, "floor replica");
    programs = [ours, floor];
  }
  console.error(`startup: ${args.rounds} rounds of ${programs.length} programs, alone and ${args.together} at a time`);
  const rows = await measureStartup(programs, args.rounds, args.together, (round) => {
    if (round % 5 === 0 || round === args.rounds) console.error(`  round ${round}/${args.rounds}`);
  });
  console.log(formatStartup(rows, args.together, names));
  return rows.some((r) => [...r.alone, ...r.together].includes(null)) ? 1 : 0;
}

if (import.meta.main) runCommand("startup", main);
