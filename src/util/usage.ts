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

/** An option's text as an integer in min..max, else a UsageError that names the option. */
export function integerOption(name: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(`--${name} must be an integer in ${min}..${max}, got ${JSON.stringify(text)}`);
  }
  return value;
}

/**
 * A command line parsed by `parse` for a command's main(): a UsageError it throws is
 * printed (after `prefix`) beside `usage` and gives exit code 2; otherwise its result.
 */
export function parseOrUsage<T extends object>(usage: string, parse: () => T, prefix = ""): T | number {
  try {
    return parse();
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`${prefix}${error.message}\n${usage}`);
    return 2;
  }
}

/**
 * parseOptions for a command's main(): a usage error is printed beside `usage` and gives
 * exit code 2, `--help` prints `usage` and gives 0; otherwise the parsed arguments.
 */
export function parseCommand<T extends ParseArgsConfig>(usage: string, config: T): ReturnType<typeof parseArgs<T>> | number {
  const parsed = parseOrUsage(usage, () => parseOptions(config));
  if (typeof parsed === "number") return parsed;
  if ((parsed.values as { help?: boolean }).help) {
    console.log(usage);
    return 0;
  }
  return parsed;
}
