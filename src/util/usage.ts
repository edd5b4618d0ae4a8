// Command-line parsing shared by the simulator and DST entry points: node's parseArgs,
// with its complaints turned into a UsageError that the caller prints beside its usage.
import { parseArgs, type ParseArgsConfig } from "node:util";

export class UsageError extends Error {}

export function parseOptions<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}
