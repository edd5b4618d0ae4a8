// The listening side of SEQPACKET (the simulator's, and the tests'): bind at a path and
// hand every accepted connection to Bun as a PacketSocket. Bun cannot watch a raw
// listening descriptor, so a short timer polls the non-blocking accept.
import { unlinkSync } from "node:fs";
import { acceptSeqpacket, closeFd, listenSeqpacket } from "./libc.ts";

export class PacketListener {
  private readonly fd: number;
  private readonly timer: Timer;
  private closed = false;

  constructor(
    readonly path: string,
    /** Called with each accepted descriptor; wrap it with PacketSocket.fromFd. */
    private readonly onConnection: (fd: number) => void,
    pollMs = 2,
  ) {
    this.fd = listenSeqpacket(path);
    this.timer = setInterval(() => this.acceptAll(), pollMs);
  }

  /** Accepts whatever is waiting now; returns how many connections were taken. */
  acceptAll(): number {
    let accepted = 0;
    while (!this.closed) {
      const fd = acceptSeqpacket(this.fd);
      if (fd < 0) break;
      accepted++;
      this.onConnection(fd);
    }
    return accepted;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    closeFd(this.fd);
    try {
      unlinkSync(this.path);
    } catch {
      // already gone
    }
  }
}
