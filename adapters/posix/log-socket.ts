// The daemon's syslog connection: a non-blocking, close-on-exec AF_UNIX datagram socket
// connected to the log daemon's socket (/dev/log), made through koffi because node:dgram has no
// unix-domain datagrams. Writes go through the fd like any other (one write, one datagram).

import type { Libc } from './ffi';
import { SOCKET } from './socket';

const { AF_UNIX, SOCK_DGRAM, F_GETFL, F_SETFL } = SOCKET;
const ENAMETOOLONG = 36;

/** What differs between the kernels here. */
export interface LogSocketPlatform {
  /** sockaddr_un layout: 'linux' (u16 family, host order) or 'bsd' (u8 length, u8 family). */
  sockaddr: 'linux' | 'bsd';
  oNonblock: number;
  bigEndian: boolean;
}

/**
 * Connects a datagram socket to the unix socket at `path`. Returns the fd, or -errno when the
 * socket cannot be made or nothing listens there (ENOENT, ECONNREFUSED: the log daemon has not
 * started yet).
 */
export function connectLogSocket(libc: Libc, path: string, p: LogSocketPlatform): number {
  const bytes = Buffer.from(path);
  // 108 bytes of sun_path on Linux, 104 on the BSDs, with the terminating NUL.
  if (bytes.length > 103) return -ENAMETOOLONG;
  const addr = Buffer.alloc(2 + bytes.length + 1);
  if (p.sockaddr === 'linux') {
    if (p.bigEndian) addr.writeUInt16BE(AF_UNIX, 0);
    else addr.writeUInt16LE(AF_UNIX, 0);
  } else {
    addr.writeUInt8(addr.length, 0);
    addr.writeUInt8(AF_UNIX, 1);
  }
  bytes.copy(addr, 2);
  const fd = libc.socket(AF_UNIX, SOCK_DGRAM, 0);
  if (fd < 0) return -libc.errno();
  libc.setCloexec(fd);
  // Non-blocking, so a log daemon that stops reading can never stall the manager: a full
  // queue gives EAGAIN and the message waits in the daemon's bounded buffer.
  libc.fcntl(fd, F_SETFL, libc.fcntl(fd, F_GETFL, 0) | p.oNonblock);
  if (libc.connect(fd, addr, addr.length) !== 0) {
    const e = libc.errno();
    libc.close(fd);
    return -e;
  }
  return fd;
}
