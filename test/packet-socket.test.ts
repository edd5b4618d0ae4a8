// PacketSocket on a real SEQPACKET pair: packets already waiting can be read at once
// (readWaiting), which a replica does before acting on a timer, because Bun itself runs
// an expired timer before the reads that became ready in the same stall.
import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { acceptSeqpacket, closeFd, connectSeqpacket, listenSeqpacket } from "../src/net/libc.ts";
import { MAX_PACKET_BYTES, PacketSocket } from "../src/net/packet-socket.ts";

const text = new TextDecoder();
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/**
 * Both ends of a fresh SEQPACKET connection; `heard` collects what the replica's end
 * receives, each packet then handed to `then`.
 */
async function pair(then: (packet: string) => void = () => {}): Promise<{ replica: PacketSocket; simulator: PacketSocket; heard: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), "kvsock-"));
  const path = join(dir, "0000");
  const listener = listenSeqpacket(path);
  const replicaFd = connectSeqpacket(path);
  expect(replicaFd).toBeGreaterThanOrEqual(0);
  const simulatorFd = acceptSeqpacket(listener);
  expect(simulatorFd).toBeGreaterThanOrEqual(0);
  const heard: string[] = [];
  const replica = await PacketSocket.fromFd(replicaFd, {
    onPacket: (packet) => {
      const decoded = text.decode(packet);
      heard.push(decoded);
      then(decoded);
    },
  });
  const simulator = await PacketSocket.fromFd(simulatorFd, { onPacket: () => {} });
  cleanups.push(() => {
    replica.close();
    simulator.close();
    closeFd(listener);
    rmSync(dir, { recursive: true, force: true });
  });
  return { replica, simulator, heard };
}

/** Busy for `ms`: the process is not running its event loop, as when it is descheduled. */
function stall(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {}
}

describe("PacketSocket", () => {
  test("readWaiting hands over every waiting packet, in order, and nothing when none waits", async () => {
    const { replica, simulator, heard } = await pair();
    expect(replica.readWaiting()).toBe(0);
    simulator.send("one");
    simulator.send(`{"big":"${"x".repeat(15000)}"}`);
    simulator.send("three");
    expect(replica.readWaiting()).toBe(3);
    expect(heard.map((p) => p.slice(0, 8))).toEqual(["one", '{"big":"', "three"]);
    expect(heard[1]!.length).toBe(15010);
    expect(replica.readWaiting()).toBe(0);
    // Bun's own reader then finds nothing more: each packet arrives once.
    await Bun.sleep(20);
    expect(heard.length).toBe(3);
  });

  test("Bun runs a timer that expired in a packet's callback before reading the next packet; readWaiting reads it first", async () => {
    const goHandlers: (() => void)[] = [];
    const { replica, simulator, heard } = await pair((packet) => (packet === "go" ? goHandlers.shift()?.() : undefined));
    /**
     * The simulator sends "go" then "answer", both waiting before the replica reads
     * either. The replica's callback for "go" arms a 1 ms timer and stays busy for 10 ms
     * (a descheduled or slow process): what has the timer seen of "answer" when it runs?
     */
    const seenByTimer = (read: boolean) =>
      new Promise<string[]>((resolve) => {
        const onGo = () => {
          setTimeout(() => {
            if (read) replica.readWaiting();
            resolve([...heard]);
          }, 1);
          stall(10);
        };
        goHandlers.push(onGo);
        simulator.send("go");
        simulator.send("answer");
      });
    // Without readWaiting the timer runs first: this is why the replica calls it.
    expect(await seenByTimer(false)).toEqual(["go"]);
    await Bun.sleep(5);
    expect(heard).toEqual(["go", "answer"]);
    heard.length = 0;
    expect(await seenByTimer(true)).toEqual(["go", "answer"]);
    await Bun.sleep(5);
    expect(heard).toEqual(["go", "answer"]);
  });

  test("a string goes out as its UTF-8 bytes in one packet, multi-byte characters too; bytes as they are", async () => {
    const { replica, simulator, heard } = await pair();
    const texts = ["plain", `{"value":"valü€-😀"}`, "€".repeat(5000)];
    for (const t of texts) expect(simulator.send(t)).toBe(true);
    expect(simulator.send(new TextEncoder().encode("bytes"))).toBe(true);
    expect(replica.readWaiting()).toBe(4);
    expect(heard).toEqual([...texts, "bytes"]);
  });

  test("a packet of MAX_PACKET_BYTES or more is refused, counted in UTF-8 bytes, not characters", async () => {
    const { replica, simulator, heard } = await pair();
    // 5,500 characters but 16,500 bytes: over the limit although the string looks short.
    expect(simulator.send("€".repeat(5500))).toBe(false);
    expect(simulator.send("x".repeat(MAX_PACKET_BYTES))).toBe(false);
    expect(simulator.send(new Uint8Array(MAX_PACKET_BYTES))).toBe(false);
    const justUnder = "x".repeat(MAX_PACKET_BYTES - 3) + "€";
    expect(Buffer.byteLength(justUnder)).toBe(MAX_PACKET_BYTES);
    expect(simulator.send(justUnder)).toBe(false);
    expect(simulator.send(justUnder.slice(1))).toBe(true);
    expect(replica.readWaiting()).toBe(1);
    expect(heard).toEqual([justUnder.slice(1)]);
  });
});
