// One SEQPACKET connection driven by Bun's event loop: one `data` callback per packet,
// one write per packet, and a queue that holds packets while the socket buffer is full.
import type { Socket, SocketHandler, UnixSocketOptions } from "bun";
import { sharedClockMs, type PacketTimes } from "./packet-times.ts";

/** The simulator reads at most this many bytes per packet; anything that long is cut. */
export const MAX_PACKET_BYTES = 16384;

export interface PacketHandlers {
  onPacket(packet: Uint8Array): void;
  onClose?(): void;
}

export class PacketSocket {
  private readonly queue: Uint8Array[] = [];
  private socket: Socket<undefined> | undefined;
  private closed = false;

  private constructor(
    private readonly handlers: PacketHandlers,
    private readonly times: PacketTimes | undefined,
  ) {}

  /**
   * Wraps an already-connected SEQPACKET descriptor. With `times`, notes when each packet
   * reached `onPacket` and when each write went out (KV_TIMES, packet-times.ts).
   */
  static async fromFd(fd: number, handlers: PacketHandlers, times?: PacketTimes): Promise<PacketSocket> {
    const conn = new PacketSocket(handlers, times);
    const socket: SocketHandler<undefined> = {
      data: (_socket, data) => {
        times?.received.push(sharedClockMs());
        conn.handlers.onPacket(data);
      },
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
