// Compiles ./3700kvstore with `bun build --compile`, only when a source is newer than the
// binary (or with --force). Scripts and tests call ensureBuilt() before using the binary.
// The floor replica (test/fixtures/floor-replica.ts) is compiled the same way on demand
// (ensureFloorBuilt), so that its start-up and latency compare with ours; so is the
// straightforward build (test/fixtures/straightforward-replica.ts, ensureStraightforwardBuilt).
import { existsSync, mkdirSync, readdirSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

export const ROOT = resolve(import.meta.dir, "..");
export const BINARY = join(ROOT, "3700kvstore");
/** A build output like ./3700kvstore, kept out of the way: it is a measuring stick, not the product. */
export const FLOOR_BINARY = join(ROOT, "node_modules", ".cache", "kvstore", "floor-replica");

interface Target {
  entry: string;
  outfile: string;
  /** Files and folders whose changes make the output stale. */
  inputs: string[];
}

const LOCKS_AND_CONFIG = ["package.json", "bun.lock", "package-lock.json", "tsconfig.json"];
const REPLICA: Target = { entry: "src/main.ts", outfile: BINARY, inputs: ["src", ...LOCKS_AND_CONFIG] };
// The fixture imports a few of src/net's modules: any change in src rebuilds it too.
const FLOOR: Target = { entry: "test/fixtures/floor-replica.ts", outfile: FLOOR_BINARY, inputs: ["test/fixtures", "src", ...LOCKS_AND_CONFIG] };
/** The textbook build our message counts are held against (the suite's --straightforward), compiled as ours is. */
export const STRAIGHTFORWARD_BINARY = join(ROOT, "node_modules", ".cache", "kvstore", "straightforward-replica");
const STRAIGHTFORWARD: Target = { ...FLOOR, entry: "test/fixtures/straightforward-replica.ts", outfile: STRAIGHTFORWARD_BINARY };

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const name of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, name)));
  return newest;
}

function stale(target: Target): boolean {
  if (!existsSync(target.outfile)) return true;
  const built = statSync(target.outfile).mtimeMs;
  return target.inputs.some((input) => newestMtime(join(ROOT, input)) > built);
}

async function compile(target: Target, force: boolean, extra: string[] = ["--minify"]): Promise<string> {
  if (!force && !stale(target)) return target.outfile;
  mkdirSync(dirname(target.outfile), { recursive: true });
  // --bytecode: the binary carries JavaScriptCore bytecode instead of source to parse at
  // every start (ESM, because main.ts awaits at the top level). Measured with the suite on
  // simple-1, simple-2, crash-1, seeds 1-2: start to connected, median 53 -> 39 ms,
  // p90 77 -> 52 ms; peak RSS +1 MB.
  const args = ["build", "--compile", ...extra, "--bytecode", "--format=esm", join(ROOT, target.entry), "--outfile", target.outfile];
  const proc = Bun.spawn([process.execPath, ...args], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
  const [code, out, err] = await Promise.all([proc.exited, new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  if (code !== 0) throw new Error(`bun build --compile of ${target.entry} failed (exit ${code}):\n${out}${err}`);
  return target.outfile;
}

export function ensureBuilt(force = false): Promise<string> {
  return compile(REPLICA, force);
}

export function ensureFloorBuilt(force = false): Promise<string> {
  return compile(FLOOR, force);
}

export function ensureStraightforwardBuilt(force = false): Promise<string> {
  return compile(STRAIGHTFORWARD, force);
}

/**
 * The replica compiled for `bun run profile`: names kept (whitespace and syntax minified
 * only), and Bun's sampling profiler started by arguments baked into the binary, writing
 * into `outDir` (an absolute path without spaces: Bun splits those arguments at spaces).
 * Built afresh every time, since the directory is part of the binary.
 */
export function buildProfiled(outDir: string, intervalUs: number): Promise<string> {
  const outfile = join(ROOT, "node_modules", ".cache", "kvstore", "3700kvstore-profiled");
  const execArgv = `--cpu-prof --cpu-prof-md --cpu-prof-interval=${intervalUs} --cpu-prof-dir=${outDir}`;
  return compile({ ...REPLICA, outfile }, true, ["--minify-whitespace", "--minify-syntax", `--compile-exec-argv=${execArgv}`]);
}

if (import.meta.main) {
  const force = process.argv.includes("--force");
  const started = performance.now();
  await ensureBuilt(force);
  console.log(`built ${BINARY} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}
