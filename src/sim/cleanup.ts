// Whatever happens (normal end, thrown error, Ctrl-C, SIGTERM), no replica process group
// and no temporary directory may outlive the simulator. Runs register a synchronous
// cleanup here; the exit handler, and in the CLI entry points the signal and error
// handlers, call every one still registered.
import { readFileSync, rmSync } from "node:fs";

type Cleanup = () => void;
const pending = new Set<Cleanup>();
let exitHookInstalled = false;
let signalsInstalled = false;

export function registerCleanup(cleanup: Cleanup): () => void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on("exit", () => runAllCleanups());
  }
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

/**
 * For the command-line entry points only (a library must not take over a host process's
 * signals or errors, e.g. bun test's): clean up, then exit with the usual code.
 */
function installExitHandlers(): void {
  if (signalsInstalled) return;
  signalsInstalled = true;
  const onSignal = (signal: NodeJS.Signals, code: number) => () => {
    process.stderr.write(`\n${signal}: stopping replicas and removing temporary files\n`);
    runAllCleanups();
    process.exit(code);
  };
  process.on("SIGINT", onSignal("SIGINT", 130));
  process.on("SIGTERM", onSignal("SIGTERM", 143));
  process.on("SIGHUP", onSignal("SIGHUP", 129));
  process.on("uncaughtException", (error) => {
    process.stderr.write(`simulator error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    runAllCleanups();
    process.exit(2);
  });
}

/**
 * Runs a command-line entry point: exit handlers installed, its result the exit code, an
 * error that escapes it printed as "<name> error: <message>" with exit code 2.
 */
export function runCommand(name: string, main: () => Promise<number>): void {
  installExitHandlers();
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(`${name} error: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(2);
    },
  );
}

/** Is `pid` running (a zombie waiting to be reaped does not count)? */
export function processAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    try {
      process.kill(pid, 0); // no /proc (not Linux): ask the kernel instead
      return true;
    } catch {
      return false;
    }
  }
}

export function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // already gone
  }
}

/**
 * SIGTERM to each group, a grace period while their leaders are still running, then
 * SIGKILL to every group (whatever the leader left behind goes too). Synchronous, for
 * signal and exit handlers.
 */
export function killGroupsSync(pgids: readonly number[], graceMs = 300): void {
  for (const pgid of pgids) signalGroup(pgid, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (pgids.some(processAlive) && Date.now() < deadline) Bun.sleepSync(10);
  for (const pgid of pgids) signalGroup(pgid, "SIGKILL");
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
