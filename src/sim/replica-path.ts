// Which program to run as the replica: --replica PATH as given, else our own binary,
// rebuilt first when its sources are newer (scripts/build.ts, owned by the build).
import { existsSync } from "node:fs";
import { resolve } from "node:path";

export const REPO_ROOT = resolve(import.meta.dir, "../..");
export const DEFAULT_REPLICA = resolve(REPO_ROOT, "3700kvstore");
const BUILD_SCRIPT = resolve(REPO_ROOT, "scripts/build.ts");

interface BuildModule {
  ensureBuilt?: () => Promise<string>;
}

export async function resolveReplica(given: string | undefined): Promise<string> {
  if (given !== undefined) return resolve(given);
  if (existsSync(BUILD_SCRIPT)) {
    const build = (await import(BUILD_SCRIPT)) as BuildModule;
    if (typeof build.ensureBuilt === "function") return resolve(await build.ensureBuilt());
  }
  if (existsSync(DEFAULT_REPLICA)) return DEFAULT_REPLICA;
  throw new Error(`no replica binary at ${DEFAULT_REPLICA} and no scripts/build.ts to build it; pass --replica PATH`);
}
