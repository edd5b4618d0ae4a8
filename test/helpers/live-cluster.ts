// Real replica processes for end-to-end tests: the test opens the SEQPACKET listeners in a
// temporary directory, starts the compiled binary once per ID, routes packets between
// replicas, and plays a client that follows redirects.
import type { Subprocess } from "bun";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PacketListener } from "../../src/net/listener.ts";
import { PacketSocket } from "../../src/net/packet-socket.ts";

export const CLIENT = "0013";

interface Reply {
  type: string;
  MID: string;
  leader: string;
  value?: string;
  src: string;
}

export class LiveCluster {
  readonly dir = mkdtempSync(join(tmpdir(), "kv-e2e-"));
  private readonly listeners: PacketListener[] = [];
  private readonly sockets = new Map<string, PacketSocket>();
  private readonly procs = new Map<string, Subprocess>();
  private readonly waiting = new Map<string, (reply: Reply) => void>();
  /** Every MID ever answered, to catch a second reply. */
  readonly answered = new Map<string, number>();
  /** Packets from replicas that were not JSON objects with the required fields. */
  readonly malformed: string[] = [];
  /** Replies to MIDs not waiting for one: answered already, given up on, or never sent. */
  readonly unexpected: Reply[] = [];
  /** The type of every request sent, by MID. */
  readonly sent = new Map<string, string>();
  /** The key of every request sent, by MID. */
  readonly keys = new Map<string, string>();
  private target: string;
  private nextMid = 0;

  private constructor(readonly ids: string[]) {
    this.target = ids[0]!;
  }

  static async start(binary: string, ids: string[]): Promise<LiveCluster> {
    const cluster = new LiveCluster(ids);
    const connected = ids.map((id) => {
      let done: () => void = () => {};
      const promise = new Promise<void>((resolve) => (done = resolve));
      cluster.listeners.push(
        new PacketListener(join(cluster.dir, id), async (fd) => {
          cluster.sockets.set(id, await PacketSocket.fromFd(fd, { onPacket: (packet) => cluster.route(id, packet) }));
          done();
        }),
      );
      return promise;
    });
    for (const id of ids) {
      const proc = Bun.spawn([binary, id, ...ids.filter((other) => other !== id)], { cwd: cluster.dir, stdout: "inherit", stderr: "inherit" });
      cluster.procs.set(id, proc);
    }
    await withDeadline(Promise.all(connected), 10_000, "replicas did not connect");
    return cluster;
  }

  /** Which replicas have exited (none should, unless killed). */
  exited(): string[] {
    return [...this.procs].filter(([, proc]) => proc.exitCode !== null || proc.signalCode !== null).map(([id]) => id);
  }

  kill(id: string): void {
    this.procs.get(id)?.kill("SIGKILL");
    this.sockets.get(id)?.close();
    this.sockets.delete(id);
  }

  /** Sends raw bytes to a replica as if from the client. */
  sendRaw(id: string, packet: string | Uint8Array): void {
    this.sockets.get(id)?.send(packet);
  }

  private route(from: string, packet: Uint8Array): void {
    let message: Record<string, unknown>;
    try {
      message = JSON.parse(new TextDecoder().decode(packet));
    } catch {
      this.malformed.push(`${from}: not JSON`);
      return;
    }
    if (typeof message !== "object" || message === null || ["src", "dst", "leader", "type"].some((f) => typeof message[f] !== "string")) {
      this.malformed.push(`${from}: ${JSON.stringify(message).slice(0, 200)}`);
      return;
    }
    const dst = message.dst as string;
    if (dst === CLIENT) return this.deliverReply(message as unknown as Reply);
    const targets = dst === "FFFF" ? this.ids.filter((id) => id !== from) : [dst];
    for (const id of targets) this.sockets.get(id)?.send(packet);
  }

  private deliverReply(reply: Reply): void {
    this.answered.set(reply.MID, (this.answered.get(reply.MID) ?? 0) + 1);
    const resolve = this.waiting.get(reply.MID);
    if (!resolve) {
      this.unexpected.push(reply);
      return;
    }
    this.waiting.delete(reply.MID);
    resolve(reply);
  }

  /** One request attempt: the reply, or undefined after `timeoutMs`. */
  private attempt(dst: string, body: Record<string, string>, timeoutMs: number): Promise<Reply | undefined> {
    const MID = `e2e-${this.nextMid++}`;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(MID);
        resolve(undefined);
      }, timeoutMs);
      this.waiting.set(MID, (reply) => {
        clearTimeout(timer);
        resolve(reply);
      });
      this.sent.set(MID, body.type ?? "");
      if (body.key !== undefined) this.keys.set(MID, body.key);
      this.sockets.get(dst)?.send(JSON.stringify({ src: CLIENT, dst, leader: "FFFF", MID, ...body }));
    });
  }

  /** Runs a request to completion like a real client: follow redirects, retry on fail or silence. */
  async request(body: Record<string, string>, deadlineMs = 20_000): Promise<Reply> {
    const deadline = Date.now() + deadlineMs;
    let tries = 0;
    while (Date.now() < deadline) {
      const alive = this.ids.filter((id) => this.sockets.has(id));
      if (!this.sockets.has(this.target)) this.target = alive[tries % alive.length]!;
      const reply = await this.attempt(this.target, body, 1500);
      tries++;
      if (reply === undefined) {
        this.target = alive[tries % alive.length]!;
        continue;
      }
      if (reply.type === "ok") {
        this.target = reply.src;
        return reply;
      }
      if (reply.type === "redirect" && this.sockets.has(reply.leader)) this.target = reply.leader;
      else this.target = alive[tries % alive.length]!;
    }
    throw new Error(`request ${JSON.stringify(body)} not answered ok within ${deadlineMs} ms`);
  }

  async put(key: string, value: string): Promise<void> {
    await this.request({ type: "put", key, value });
  }

  async get(key: string): Promise<string | undefined> {
    return (await this.request({ type: "get", key })).value;
  }

  /** The replica that last answered ok: the leader as far as the client knows. */
  get leader(): string {
    return this.target;
  }

  async stop(): Promise<void> {
    for (const proc of this.procs.values()) proc.kill("SIGTERM");
    await Promise.all([...this.procs.values()].map((proc) => withDeadline(proc.exited, 5000, "replica ignored SIGTERM").catch(() => proc.kill("SIGKILL"))));
    for (const socket of this.sockets.values()) socket.close();
    for (const listener of this.listeners) listener.close();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Exit codes after stop(), by ID. */
  exitCodes(): Record<string, number | null> {
    return Object.fromEntries([...this.procs].map(([id, proc]) => [id, proc.exitCode]));
  }
}

function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
