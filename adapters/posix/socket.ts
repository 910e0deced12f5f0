// Socket constants and the msghdr of sendmsg/recvmsg, shared by the adapters that make unix
// sockets through koffi (the spawner's socketpair, the sd_notify sockets, the syslog socket).

import type { Libc } from './ffi';

/** Values that are the same on Linux, the BSDs and macOS. */
export const SOCKET = {
  AF_UNIX: 1,
  SOCK_STREAM: 1,
  SOCK_DGRAM: 2,
  F_GETFL: 3,
  F_SETFL: 4,
} as const;

/** Linux's values (the BSDs differ: SOL_SOCKET is 0xffff there, and so on). */
export const LINUX_SOCKET = {
  SOCK_SEQPACKET: 5,
  SOCK_NONBLOCK: 0x800,
  SOCK_CLOEXEC: 0x80000,
  SOL_SOCKET: 1,
  SO_PASSCRED: 16,
  SO_RCVTIMEO: 20,
  SCM_RIGHTS: 1,
  SCM_CREDENTIALS: 2,
  MSG_TRUNC: 0x20,
  MSG_DONTWAIT: 0x40,
  MSG_NOSIGNAL: 0x4000,
  MSG_CMSG_CLOEXEC: 0x40000000,
} as const;

/** The koffi name of struct msghdr, for function declarations such as sendmsg's. */
export const MSGHDR = 'dinit_msghdr';

let declared = false;

/**
 * Declares struct iovec and struct msghdr to koffi (once: its types are process-wide) and
 * returns the name of the msghdr type. The layout is Linux's, on 64-bit and 32-bit alike.
 */
export function declareMsghdr(libc: Libc): string {
  if (declared) return MSGHDR;
  const k = libc.koffi as unknown as {
    struct(name: string, def: Record<string, string>): unknown;
  };
  try {
    k.struct('dinit_iovec', { base: 'void *', len: 'size_t' });
    k.struct(MSGHDR, {
      name: 'void *',
      namelen: 'uint32_t',
      iov: 'dinit_iovec *',
      iovlen: 'size_t',
      control: 'void *',
      controllen: 'size_t',
      flags: 'int',
    });
  } catch {
    // Declared by an earlier load of this module (a test runner's fresh module registry).
  }
  declared = true;
  return MSGHDR;
}

/** A msghdr with no address and one buffer of data; control may be null. */
export function messageHeader(data: Buffer, control: Buffer | null): Record<string, unknown> {
  return {
    name: null,
    namelen: 0,
    iov: [{ base: data, len: data.length }],
    iovlen: 1,
    control,
    controllen: control ? control.length : 0,
    flags: 0,
  };
}
