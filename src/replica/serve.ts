// The replica on its socket: drives the pure Replica with the packets, the clock and one
// timer, and warms up the JIT before real traffic. src/main.ts loads this module only once
// it has connected (see there for why).
import { PacketSocket } from "../net/packet-socket.ts";
import type { PacketTimes } from "../net/packet-times.ts";
import type { RaftConfig } from "../raft/types.ts";
import type { DebugLog } from "../util/debug.ts";
import { seededRandom } from "../util/prng.ts";
import { encode } from "../wire/encode.ts";
import { decode } from "../wire/schema.ts";
import { Replica } from "./replica.ts";
import { DEFAULT_WARM_UP, warmUp } from "./warmup.ts";

export interface ServeOptions {
  /** A connected SEQPACKET descriptor (connectSeqpacket). */
  fd: number;
  id: string;
  peers: string[];
  config: Partial<RaftConfig>;
  /** Warm-up operations; 0 for none. */
  warmUpOperations: number;
  /** When each packet was read and written (KV_TIMES), if asked for. */
  times: PacketTimes | undefined;
  log: DebugLog;
}

/** Serves until the socket closes (the process then exits). */
export async function serveReplica({ fd, id, peers, config, warmUpOperations, times, log }: ServeOptions): Promise<void> {
  // Web Crypto: importing node:crypto for one number cost about 1 ms of start-up.
  const seed = crypto.getRandomValues(new Uint32Array(1))[0]! >>> 1;
  log?.(`seed ${seed}, peers ${peers.join(" ")}`);
  const now = () => performance.now();
  const replica = new Replica({ id, peers, random: seededRandom(seed), now: now(), log, config });

  let timer: Timer | undefined;
  let timerAt = Number.POSITIVE_INFINITY;

  const flush = () => {
    for (const message of replica.takeOutbox()) {
      if (!socket.send(encode(message, replica.leader))) log?.(`dropped an outbound ${message.type}: too large or socket closed`);
    }
    const deadline = replica.nextDeadline();
    if (deadline < timerAt) {
      if (timer) clearTimeout(timer);
      timerAt = deadline;
      timer = setTimeout(onTimer, Math.max(0, deadline - now()));
    }
  };

  const onTimer = () => {
    timer = undefined;
    timerAt = Number.POSITIVE_INFINITY;
    try {
      replica.tick(now());
    } catch (error) {
      log?.(`tick failed: ${(error as Error).stack}`);
    }
    flush();
  };

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
  if (warmUpOperations > 0) {
    const started = performance.now();
    const answered = await warmUp({ ...DEFAULT_WARM_UP, operations: warmUpOperations });
    Bun.gc(true);
    log?.(`warm-up: ${answered} operations in ${(performance.now() - started).toFixed(0)} ms`);
  }
}
