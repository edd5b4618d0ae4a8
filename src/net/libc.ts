// The few libc calls Bun has no API for: SOCK_SEQPACKET sockets on AF_UNIX.
// Bun.connect({ unix }) opens SOCK_STREAM, which a SEQPACKET listener refuses, so we
// create the descriptor here and hand it to Bun.connect({ fd }) (SPEC §1).
import { dlopen, FFIType, ptr } from "bun:ffi";

export const AF_UNIX = 1;
export const SOCK_SEQPACKET = 5;
const SOCK_NONBLOCK = 0o4000;
const SOCK_CLOEXEC = 0o2000000;
/** sun_path is 108 bytes on Linux; the path must leave room for its NUL. */
export const MAX_SOCKET_PATH = 107;

const lib = dlopen(process.platform === "darwin" ? "libc.dylib" : "libc.so.6", {
  socket: { args: [FFIType.i32, FFIType.i32, FFIType.i32], returns: FFIType.i32 },
  connect: { args: [FFIType.i32, FFIType.ptr, FFIType.u32], returns: FFIType.i32 },
  bind: { args: [FFIType.i32, FFIType.ptr, FFIType.u32], returns: FFIType.i32 },
  listen: { args: [FFIType.i32, FFIType.i32], returns: FFIType.i32 },
  accept4: { args: [FFIType.i32, FFIType.ptr, FFIType.ptr, FFIType.i32], returns: FFIType.i32 },
  close: { args: [FFIType.i32], returns: FFIType.i32 },
  recv: { args: [FFIType.i32, FFIType.ptr, FFIType.u64_fast, FFIType.i32], returns: FFIType.i64_fast },
});
const MSG_DONTWAIT = process.platform === "darwin" ? 0x80 : 0x40;

/** struct sockaddr_un for `path` (sa_family is little-endian u16 on Linux). */
function unixAddress(path: string): Uint8Array {
  const encoded = new TextEncoder().encode(path);
  if (encoded.length > MAX_SOCKET_PATH) throw new Error(`socket path too long (${encoded.length} > ${MAX_SOCKET_PATH} bytes): ${path}`);
  const address = new Uint8Array(2 + MAX_SOCKET_PATH + 1);
  address[0] = AF_UNIX;
  address.set(encoded, 2);
  return address;
}

/** A new SEQPACKET socket connected to `path`, or -1 when the connect failed. */
export function connectSeqpacket(path: string): number {
  const fd = lib.symbols.socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  const address = unixAddress(path);
  if (lib.symbols.connect(fd, ptr(address), address.length) !== 0) {
    lib.symbols.close(fd);
    return -1;
  }
  return fd;
}

/** A non-blocking SEQPACKET listener bound at `path`; throws when it cannot be made. */
export function listenSeqpacket(path: string, backlog = 64): number {
  const fd = lib.symbols.socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) throw new Error(`socket(AF_UNIX, SOCK_SEQPACKET) failed for ${path}`);
  const address = unixAddress(path);
  if (lib.symbols.bind(fd, ptr(address), address.length) !== 0) {
    lib.symbols.close(fd);
    throw new Error(`bind failed for ${path} (does it exist already?)`);
  }
  if (lib.symbols.listen(fd, backlog) !== 0) {
    lib.symbols.close(fd);
    throw new Error(`listen failed for ${path}`);
  }
  return fd;
}

/** A connection waiting on a non-blocking listener, or -1 when there is none. */
export function acceptSeqpacket(listenerFd: number): number {
  return lib.symbols.accept4(listenerFd, null, null, SOCK_NONBLOCK | SOCK_CLOEXEC);
}

export function closeFd(fd: number): void {
  if (fd >= 0) lib.symbols.close(fd);
}

/**
 * The next packet already waiting on `fd`, read into `into` without waiting: its length,
 * or -1 when none is waiting (or the socket failed; Bun's own reader then reports it).
 */
export function receiveWaiting(fd: number, into: Uint8Array): number {
  return Number(lib.symbols.recv(fd, ptr(into), into.length, MSG_DONTWAIT));
}
