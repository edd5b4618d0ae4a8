// The replica binary: the I/O edge around the pure Replica. It owns the socket, the
// clock and the timer; everything it hears goes through decode() and Replica.receive().
import { parseReplicaArgs } from "./cli-args.ts";
import { configFromEnv, timesPathFromEnv, warmUpFromEnv } from "./config-env.ts";
import { DeadlineTimer } from "./net/deadline-timer.ts";
import { connectSeqpacket } from "./net/libc.ts";
import { PacketSocket } from "./net/packet-socket.ts";
import { recordPacketTimesAtExit } from "./net/packet-times.ts";
import { Replica } from "./replica/replica.ts";
import { DEFAULT_WARM_UP, warmUp } from "./replica/warmup.ts";
import { debugLogger } from "./util/debug.ts";
import { seededRandom } from "./util/prng.ts";
import { encode } from "./wire/encode.ts";
import { decode } from "./wire/schema.ts";

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

  // Web Crypto: importing node:crypto for one number cost about 1 ms of start-up.
  const seed = crypto.getRandomValues(new Uint32Array(1))[0]! >>> 1;
  log?.(`seed ${seed}, peers ${peers.join(" ")}`);
  const now = () => performance.now();
  const replica = new Replica({ id, peers, random: seededRandom(seed), now: now(), log, config: tuned.config });

  const flush = () => {
    for (const message of replica.takeOutbox()) {
      if (!socket.send(encode(message, replica.leader))) log?.(`dropped an outbound ${message.type}: too large or socket closed`);
    }
    timer.arm(replica.nextDeadline(), now());
  };

  const timer = new DeadlineTimer(() => {
    // What arrived while the process was not running first: Bun would run this timer
    // before reading it, and a retransmission timer would resend what was just answered.
    socket.readWaiting();
    try {
      replica.tick(now());
    } catch (error) {
      log?.(`tick failed: ${(error as Error).stack}`);
    }
    flush();
  });

  const socket: PacketSocket = await PacketSocket.fromFd(fd, {
    onPacket: (packet) => {
      const decoded = decode(packet);
      if (!decoded.ok) {
        log?.(`dropped packet (${packet.length} bytes): ${decoded.reason}`);
        return;
      }
      try {
        replica.receive(decoded.message, now());
      } catch (error) {
        log?.(`receive failed: ${(error as Error).stack}`);
      }
      flush();
    },
    onClose: () => process.exit(0),
  }, times);
  flush();

  // Connected and idle until the first election timer: compile the hot paths now.
  if (warmUpSize.operations > 0) {
    const started = performance.now();
    const answered = await warmUp({ ...DEFAULT_WARM_UP, operations: warmUpSize.operations });
    Bun.gc(true);
    log?.(`warm-up: ${answered} operations in ${(performance.now() - started).toFixed(0)} ms`);
  }
}

await main();
