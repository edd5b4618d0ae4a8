// The thin process-and-socket side of a run: a temporary directory, one SEQPACKET
// listener per replica ID, one process group per replica, a timer that drives the
// Simulation, and a cleanup that always kills every group and removes the directory.
import { accessSync, constants, mkdirSync, mkdtempSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Subprocess } from "bun";
import { PacketListener } from "../net/listener.ts";
import { closeFd } from "../net/libc.ts";
import { PacketSocket } from "../net/packet-socket.ts";
import { killGroupsSync, processAlive, registerCleanup, removeDir, signalGroup } from "./cleanup.ts";
import { sampleHostSteal, type HostSteal } from "./host-steal.ts";
import { pageIn } from "./page-in.ts";
import { randomSeed, seedToNumber } from "./prng.ts";
import { readProcUsage, UNMEASURED, type ProcUsage } from "./procstat.ts";
import { buildReport, type ReplicaInfo, type RunReport } from "./report.ts";
import type { Scenario } from "./scenario.ts";
import { Simulation, type SimHost } from "./simulation.ts";
import { packetTraceLine, traceOriginLine } from "./trace.ts";

export interface RunOptions {
  scenario: Scenario;
  /** The replica program; run with cwd = the run's temporary directory. */
  replica: string;
  /** Overrides the scenario's seed. */
  seed?: number;
  /** Replicas' stdout is dropped and their stderr kept (its tail goes into the report). */
  quiet?: boolean;
  /** Extra environment for the replicas (the fixtures take their misbehaviour from it). */
  env?: Record<string, string>;
  /** Every packet, as trace.ts writes it (as the deterministic run does). */
  trace?: (line: string) => void;
  /**
   * A directory: each replica saves when it read and wrote each packet there as it exits
   * (`<id>.times`, through KV_TIMES), for `bun run hops --times`.
   */
  times?: string;
}

const STDERR_TAIL_BYTES = 4096;
const KILL_GRACE_MS = 1000;

/** One replica's process, connection and bookkeeping. */
class Slot {
  listener: PacketListener | undefined;
  socket: PacketSocket | undefined;
  /** Accepted but not yet wrapped by Bun: packets wait here meanwhile. */
  waiting: (string | Uint8Array)[] | undefined;
  startedAt: number | null = null;
  connectedAt: number | null = null;
  proc: Subprocess | undefined;
  exit: string | null = null;
  endedByUs = false;
  usage: ProcUsage = UNMEASURED;
  stderrTail = "";
  constructor(readonly id: string) {}
}

export function checkExecutable(path: string): string {
  const abs = resolve(path);
  try {
    accessSync(abs, constants.X_OK);
  } catch {
    throw new Error(`replica program ${abs} does not exist or is not executable`);
  }
  return abs;
}

export async function runScenario(opts: RunOptions): Promise<RunReport> {
  const replica = checkExecutable(opts.replica);
  pageIn(replica); // a cold binary would time the disk, not the replica's start-up
  const s = opts.scenario;
  const seed = opts.seed ?? (s.seed === undefined ? randomSeed() : seedToNumber(s.seed));
  const dir = mkdtempSync(join(tmpdir(), "kvsim-"));
  const slots = new Map<string, Slot>();
  const start = performance.now();
  const now = () => (performance.now() - start) / 1000;

  const trace = opts.trace;
  trace?.(traceOriginLine(performance.timeOrigin + start));
  const handOver = (slot: Slot, packet: string | Uint8Array): boolean => {
    if (slot.socket) return slot.socket.send(packet);
    if (!slot.waiting) slot.listener?.acceptAll(); // connected a moment ago, not yet polled?
    if (!slot.waiting) return false;
    slot.waiting.push(packet);
    return true;
  };
  const host: SimHost = {
    deliver(rid, packet) {
      const at = now();
      // Traced only once handed over: the n-th "to" line of a replica is its n-th packet.
      if (!handOver(slots.get(rid)!, packet)) return false;
      trace?.(packetTraceLine(at, "to", rid, packet));
      return true;
    },
    kill(rid) {
      endSlot(slots.get(rid)!);
    },
  };
  const sim = new Simulation(s, seed, host);
  for (const rid of sim.replicas) slots.set(rid, new Slot(rid));

  const pgids = () => [...slots.values()].flatMap((x) => (x.proc && x.exit === null ? [x.proc.pid] : []));
  const unregister = registerCleanup(() => {
    killGroupsSync(pgids());
    removeDir(dir);
  });

  /** Reads its usage, then SIGTERMs its group; SIGKILL follows if it lingers. */
  function endSlot(slot: Slot): void {
    // Usage first: once its socket closes, the replica may exit and its /proc entry go.
    if (slot.proc && slot.exit === null && !slot.endedByUs) slot.usage = readProcUsage(slot.proc.pid);
    slot.endedByUs = true;
    slot.listener?.close();
    slot.socket?.close();
    if (!slot.proc || slot.exit !== null) return;
    const pid = slot.proc.pid;
    signalGroup(pid, "SIGTERM");
    setTimeout(() => processAlive(pid) && signalGroup(pid, "SIGKILL"), KILL_GRACE_MS).unref();
  }

  let finished!: () => void;
  const done = new Promise<void>((r) => (finished = r));
  let timer: Timer | undefined;
  const pump = () => {
    const t = now();
    sim.runDue(t);
    if (sim.checkStop(t)) return finished();
    const next = Math.min(sim.nextDue() ?? Infinity, s.lifetime);
    clearTimeout(timer);
    timer = setTimeout(pump, Math.max(0, (next - now()) * 1000));
  };
  const afterInput = () => {
    if (sim.checkStop(now())) finished();
  };

  function onConnection(slot: Slot, fd: number): void {
    if (slot.socket || slot.waiting || slot.endedByUs) return closeFd(fd); // one connection per replica
    slot.waiting = [];
    slot.connectedAt = now();
    slot.listener?.close(); // stop polling: this replica is connected
    slot.listener = undefined;
    PacketSocket.fromFd(fd, {
      onPacket: (bytes) => {
        const t = now();
        trace?.(packetTraceLine(t, "from", slot.id, bytes));
        sim.onPacket(slot.id, bytes, t);
        afterInput();
      },
      onClose: () => {
        if (!slot.endedByUs) sim.onReplicaGone(slot.id, "it closed its socket", now());
        afterInput();
      },
    }).then(
      (socket) => {
        if (slot.endedByUs) socket.close(); // killed while its connection was being set up
        else for (const p of slot.waiting ?? []) socket.send(p);
        slot.socket = socket;
        slot.waiting = undefined;
      },
      (error: unknown) => {
        slot.waiting = undefined;
        sim.onReplicaGone(slot.id, `its connection could not be set up (${String(error)})`, now());
        afterInput();
      },
    );
  }

  const steal = sampleHostSteal();
  let hostSteal: HostSteal | null = null;
  try {
    for (const slot of slots.values()) slot.listener = new PacketListener(join(dir, slot.id), (fd) => onConnection(slot, fd), 1);
    const env = replicaEnv(dir, opts.env);
    const timesDir = opts.times === undefined ? undefined : resolve(opts.times);
    for (const slot of slots.values()) {
      const others = sim.replicas.filter((r) => r !== slot.id);
      slot.startedAt = now();
      const proc = Bun.spawn([replica, slot.id, ...others], {
        cwd: dir,
        detached: true,
        env: timesDir === undefined ? env : { ...env, KV_TIMES: join(timesDir, `${slot.id}.times`) },
        stdin: "ignore",
        stdout: opts.quiet ? "ignore" : "inherit",
        stderr: opts.quiet ? "pipe" : "inherit",
      });
      slot.proc = proc;
      if (proc.stderr instanceof ReadableStream) void keepTail(proc.stderr, slot);
      void proc.exited.then((code) => {
        slot.exit = proc.signalCode ? `killed by ${proc.signalCode}` : `exited with code ${code}`;
        if (!slot.endedByUs) sim.onReplicaGone(slot.id, `its process ${slot.exit}`, now());
        // Its socket usually closes first: add how the process ended to the reason.
        const reason = sim.died.get(slot.id);
        if (reason !== undefined && !reason.includes("process")) sim.died.set(slot.id, `${reason}; its process ${slot.exit}`);
        afterInput();
      });
      // A spawn blocks this loop for a few milliseconds (five of them about 20 ms on two
      // cores): look for connections between them, or a replica that connected during
      // the later spawns would be seen, and timed, only once they are all done.
      for (const other of slots.values()) other.listener?.acceptAll();
    }
    pump();
    await done;
  } finally {
    clearTimeout(timer);
    sim.finish(now());
    hostSteal = steal.stop();
    for (const slot of slots.values()) endSlot(slot);
    await Promise.all(
      [...slots.values()].map((slot) => (slot.proc ? Promise.race([slot.proc.exited, Bun.sleep(KILL_GRACE_MS + 200)]) : undefined)),
    );
    killGroupsSync(pgids(), 0); // anyone still there gets SIGKILL
    unregister();
    removeDir(dir);
  }

  const info: ReplicaInfo[] = [...slots.values()].map((slot) => ({
    id: slot.id,
    pid: slot.proc?.pid ?? null,
    startedAt: slot.startedAt,
    connectedAt: slot.connectedAt,
    exit: sim.died.has(slot.id) || sim.killed.has(slot.id) ? slot.exit : null,
    peakRssKb: slot.usage.peakRssKb,
    cpuSeconds: slot.usage.cpuSeconds,
    cpuByThread: slot.usage.cpuByThread,
    ...(sim.died.has(slot.id) && slot.stderrTail ? { stderrTail: slot.stderrTail.trimEnd() } : {}),
  }));
  return buildReport(sim, replica, now(), info, hostSteal);
}

/**
 * Our environment, with a `bun` that is the running one at the end of PATH, so that
 * `#!/usr/bin/env bun` replicas (the test fixtures) start even where bun is only a
 * devDependency (whose binary is named bun.exe).
 */
function replicaEnv(dir: string, extra: Record<string, string> | undefined): Record<string, string | undefined> {
  const bin = join(dir, ".bin");
  mkdirSync(bin);
  symlinkSync(process.execPath, join(bin, "bun"));
  const path = [process.env.PATH, bin].filter(Boolean).join(":");
  return { ...process.env, PATH: path, ...extra };
}

async function keepTail(stream: ReadableStream<Uint8Array>, slot: Slot): Promise<void> {
  const decoder = new TextDecoder();
  try {
    for await (const chunk of stream) {
      slot.stderrTail = (slot.stderrTail + decoder.decode(chunk, { stream: true })).slice(-STDERR_TAIL_BYTES);
    }
  } catch {
    // the process is gone
  }
}
