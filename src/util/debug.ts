// Replicas are silent unless asked: KV_DEBUG=1 (or --debug) sends logs to stderr.
export type DebugLog = ((line: string) => void) | undefined;

export function debugLogger(enabled: boolean, prefix: string): DebugLog {
  if (!enabled) return undefined;
  return (line) => process.stderr.write(`${(performance.now() / 1000).toFixed(3)} ${prefix} ${line}\n`);
}
