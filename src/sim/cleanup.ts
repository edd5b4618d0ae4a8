// Whatever happens (normal end, thrown error, Ctrl-C, SIGTERM), no replica process group
// and no temporary directory may outlive the simulator. Runs register a synchronous
// cleanup here; signal and exit handlers call every one still registered.
import { rmSync } from "node:fs";

type Cleanup = () => void;
const pending = new Set<Cleanup>();
let installed = false;

export function registerCleanup(cleanup: Cleanup): () => void {
  install();
  pending.add(cleanup);
  return () => pending.delete(cleanup);
}

export function runAllCleanups(): void {
  for (const cleanup of [...pending]) {
    pending.delete(cleanup);
    try {
      cleanup();
    } catch {
      // keep cleaning the others
    }
  }
}

function install(): void {
  if (installed) return;
  installed = true;
  const onSignal = (signal: NodeJS.Signals, code: number) => () => {
    process.stderr.write(`\n${signal}: stopping replicas and removing temporary files\n`);
    runAllCleanups();
    process.exit(code);
  };
  process.on("SIGINT", onSignal("SIGINT", 130));
  process.on("SIGTERM", onSignal("SIGTERM", 143));
  process.on("SIGHUP", onSignal("SIGHUP", 129));
  process.on("exit", () => runAllCleanups());
  process.on("uncaughtException", (error) => {
    process.stderr.write(`simulator error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    runAllCleanups();
    process.exit(1);
  });
}

/** Is anyone left in process group `pgid`? */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

export function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // already gone
  }
}

/** SIGTERM, a short grace period, then SIGKILL: synchronous, for signal handlers. */
export function killGroupsSync(pgids: readonly number[], graceMs = 300): void {
  for (const pgid of pgids) signalGroup(pgid, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (pgids.some(groupAlive) && Date.now() < deadline) Bun.sleepSync(10);
  for (const pgid of pgids) if (groupAlive(pgid)) signalGroup(pgid, "SIGKILL");
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
