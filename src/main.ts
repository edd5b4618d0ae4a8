// The replica binary: checks its arguments and environment, connects to the simulator,
// then hands the connection to serve.ts, which drives the pure Replica (the socket, the
// clock and the timer; everything it hears goes through decode() and Replica.receive()).
import { parseReplicaArgs } from "./cli-args.ts";
import { configFromEnv, timesPathFromEnv, warmUpFromEnv } from "./config-env.ts";
import { connectSeqpacket } from "./net/libc.ts";
import { recordPacketTimesAtExit } from "./net/packet-times.ts";
import { DEFAULT_WARM_UP } from "./replica/warmup-options.ts";
import { debugLogger } from "./util/debug.ts";

const CONNECT_ATTEMPTS = 200;
const CONNECT_RETRY_MS = 10;

/** Bad arguments or environment: say why and stop before connecting. */
function refuse(error: string): never {
  process.stderr.write(`3700kvstore: ${error}\n`);
  process.exit(2);
}

async function main(): Promise<void> {
  const parsed = parseReplicaArgs(process.argv.slice(2), process.env);
  if (!parsed.ok) refuse(parsed.error);
  const { id, peers, debug } = parsed.args;
  const tuned = configFromEnv(process.env.KV_RAFT);
  if (!tuned.ok) refuse(tuned.error);
  const warmUpSize = warmUpFromEnv(process.env.KV_WARMUP, DEFAULT_WARM_UP.operations);
  if (!warmUpSize.ok) refuse(warmUpSize.error);
  const timesPath = timesPathFromEnv(process.env.KV_TIMES);
  if (!timesPath.ok) refuse(timesPath.error);
  const log = debugLogger(debug, id);
  const times = timesPath.path === undefined ? undefined : recordPacketTimesAtExit(timesPath.path, () => log?.(`cannot write packet times to ${timesPath.path}`));
  process.on("SIGTERM", () => process.exit(0));
  process.on("SIGINT", () => process.exit(0));
  // The replica must never die on its own: log and carry on.
  process.on("uncaughtException", (error) => log?.(`uncaught: ${error.stack ?? error}`));

  let fd = connectSeqpacket(id);
  for (let attempt = 1; fd < 0 && attempt < CONNECT_ATTEMPTS; attempt++) {
    await Bun.sleep(CONNECT_RETRY_MS);
    fd = connectSeqpacket(id);
  }
  if (fd < 0) {
    process.stderr.write(`3700kvstore: cannot connect to the SEQPACKET socket at ./${id}\n`);
    process.exit(1);
  }

  // Connected first, loaded after: the Raft core, the wire schemas and the warm-up cluster
  // are most of the bundle, and the simulator times a replica from its start to its
  // connection (packets wait in the socket meanwhile). `bun run startup`, 60 rounds:
  // alone 26.9 -> 24.1 ms at the median, five at once 91.5 -> 83.7, where the trivial
  // floor replica, compiled the same way, takes 22.2 and 76.4 (docs/performance.md).
  const { serveReplica } = await import("./replica/serve.ts");
  await serveReplica({ fd, id, peers, config: tuned.config, warmUpOperations: warmUpSize.operations, times, log });
}

await main();
