// Which program to run as the replica: --replica PATH as given, else our own binary,
// rebuilt first when its sources are newer (scripts/build.ts, owned by the build). The
// floor replica and the straightforward build likewise: compiled as ours is when the
// build script can, else the script.
import { existsSync } from "node:fs";
import { resolve } from "node:path";

export const REPO_ROOT = resolve(import.meta.dir, "../..");
export const DEFAULT_REPLICA = resolve(REPO_ROOT, "3700kvstore");
const BUILD_SCRIPT = resolve(REPO_ROOT, "scripts/build.ts");

export const FLOOR_SCRIPT = resolve(REPO_ROOT, "test/fixtures/floor-replica.ts");
export const STRAIGHTFORWARD_SCRIPT = resolve(REPO_ROOT, "test/fixtures/straightforward-replica.ts");

interface BuildModule {
  ensureBuilt?: () => Promise<string>;
  ensureFloorBuilt?: () => Promise<string>;
  ensureStraightforwardBuilt?: () => Promise<string>;
}

async function buildModule(): Promise<BuildModule> {
  return existsSync(BUILD_SCRIPT) ? ((await import(BUILD_SCRIPT)) as BuildModule) : {};
}

export async function resolveReplica(given: string | undefined): Promise<string> {
  if (given !== undefined) return resolve(given);
  const build = await buildModule();
  if (typeof build.ensureBuilt === "function") return resolve(await build.ensureBuilt());
  if (existsSync(DEFAULT_REPLICA)) return DEFAULT_REPLICA;
  throw new Error(`no replica binary at ${DEFAULT_REPLICA} and no scripts/build.ts to build it; pass --replica PATH`);
}

/** A fixture replica compiled by the build script's `ensure`, else its script as it is. */
async function resolveFixture(ensure: "ensureFloorBuilt" | "ensureStraightforwardBuilt", script: string): Promise<string> {
  const build = (await buildModule())[ensure];
  return typeof build === "function" ? resolve(await build()) : script;
}

/** The trivial replica that sets the floor (the suite's --floor, `bun run startup`). */
export function resolveFloorReplica(): Promise<string> {
  return resolveFixture("ensureFloorBuilt", FLOOR_SCRIPT);
}

/** The textbook build our message counts are held against (the suite's --straightforward). */
export function resolveStraightforwardReplica(): Promise<string> {
  return resolveFixture("ensureStraightforwardBuilt", STRAIGHTFORWARD_SCRIPT);
}
