// One SEQPACKET connection driven by Bun's event loop: one `data` callback per packet,
// one write per packet, and a queue that holds packets while the socket buffer is full.
import type { Socket, SocketHandler, UnixSocketOptions } from "bun";
import { receiveWaiting } from "./libc.ts";
import { sharedClockMs, type PacketTimes } from "./packet-times.ts";

/** The simulator reads at most this many bytes per packet; anything that long is cut. */
export const MAX_PACKET_BYTES = 16384;

export interface PacketHandlers {
  onPacket(packet: Uint8Array): void;
  onClose?(): void;
}

/** Room for any packet readWaiting() takes: more than the simulator sends (MAX_PACKET_BYTES). */
const WAITING_BUFFER_BYTES = 65536;

export class PacketSocket {
  private readonly queue: Uint8Array[] = [];
  private socket: Socket<undefined> | undefined;
  private closed = false;
  private waitingBuffer: Uint8Array | undefined;

  private constructor(
    private readonly fd: number,
    private readonly handlers: PacketHandlers,
    private readonly times: PacketTimes | undefined,
  ) {}

  /**
   * Wraps an already-connected SEQPACKET descriptor. With `times`, notes when each packet
   * reached `onPacket` and when each write went out (KV_TIMES, packet-times.ts).
   */
  static async fromFd(fd: number, handlers: PacketHandlers, times?: PacketTimes): Promise<PacketSocket> {
    const conn = new PacketSocket(fd, handlers, times);
    const socket: SocketHandler<undefined> = {
      data: (_socket, data) => conn.deliver(data),
      drain: () => conn.flush(),
      close: () => conn.markClosed(),
      end: () => conn.markClosed(),
      error: () => conn.markClosed(),
    };
    // `fd` is a supported option that bun-types does not declare yet.
    conn.socket = await Bun.connect({ fd, socket } as unknown as UnixSocketOptions<undefined>);
    return conn;
  }

  /**
   * Hands every packet already waiting in the socket to `onPacket` now, without waiting
   * for the event loop to read it; returns how many. Bun reads one packet per turn of
   * its loop and runs timers that expired meanwhile before the next read
   * (test/packet-socket.test.ts), so after a stall a retransmission timer would resend
   * what an answer already waiting had covered: a replica calls this before acting on a timer.
   */
  readWaiting(): number {
    const buffer = (this.waitingBuffer ??= new Uint8Array(WAITING_BUFFER_BYTES));
    let count = 0;
    while (!this.closed) {
      const length = receiveWaiting(this.fd, buffer);
      // -1: nothing waiting (or an error, which Bun's reader reports); 0: end of stream.
      if (length <= 0) break;
      // A copy: the handler may keep views of the packet it is given.
      this.deliver(buffer.slice(0, length));
      count++;
    }
    return count;
  }

  private deliver(packet: Uint8Array): void {
    this.times?.received.push(sharedClockMs());
    this.handlers.onPacket(packet);
  }

  /**
   * Sends one packet (queued if the socket is full). Returns false, sending nothing, when
   * the packet would reach MAX_PACKET_BYTES or the socket is closed: the hard guard.
   */
  send(packet: string | Uint8Array): boolean {
    const bytes = typeof packet === "string" ? Buffer.from(packet) : packet;
    if (bytes.length >= MAX_PACKET_BYTES) {
      return false;
    }
    if (this.closed) return false;
    this.queue.push(bytes);
    if (this.queue.length === 1) this.flush();
    return true;
  }

  /** Writes queued packets until the socket refuses one; `drain` calls it again. */
  private flush(): void {
    const socket = this.socket;
    if (!socket) return;
    while (this.queue.length > 0 && !this.closed) {
      const head = this.queue[0]!;
      const writeAt = this.times ? sharedClockMs() : 0;
      // A SEQPACKET write is all or nothing: a short count means nothing was sent.
      const written = socket.write(head);
      if (written < head.length) return;
      this.times?.sent.push(writeAt);
      this.queue.shift();
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue.length = 0;
    this.socket?.end();
  }

  private markClosed(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue.length = 0;
    this.handlers.onClose?.();
  }
}
