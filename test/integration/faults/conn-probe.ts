// Raw control connections for the fault tests: each asks QUERYVERSION once and then stays idle,
// or is found refused (closed by the daemon before any answer).

import * as net from 'node:net';

export interface IdleConn {
  socket: net.Socket;
  /** 'served' once the daemon answered, 'refused' if it closed the connection first. */
  outcome: Promise<'served' | 'refused'>;
}

/** Opens one connection and asks the daemon's protocol version (request code 0). */
export function openIdle(path: string): IdleConn {
  const socket = net.createConnection({ path });
  const outcome = new Promise<'served' | 'refused'>((resolve) => {
    socket.once('data', () => resolve('served'));
    socket.once('close', () => resolve('refused'));
    socket.on('error', () => resolve('refused'));
  });
  socket.on('connect', () => socket.write(Buffer.from([0])));
  return { socket, outcome };
}

/** Opens connections one after another (up to max) until one is refused; returns them all. */
export async function openUntilRefused(
  path: string,
  max: number,
): Promise<{ served: IdleConn[]; refused: boolean }> {
  const served: IdleConn[] = [];
  for (let i = 0; i < max; i++) {
    const c = openIdle(path);
    if ((await c.outcome) === 'refused') return { served, refused: true };
    served.push(c);
  }
  return { served, refused: false };
}

/** Opens n connections in batches and resolves with how many the daemon answered. */
export async function openMany(path: string, n: number, batch = 100): Promise<IdleConn[]> {
  const all: IdleConn[] = [];
  for (let i = 0; i < n; i += batch) {
    const group = Array.from({ length: Math.min(batch, n - i) }, () => openIdle(path));
    await Promise.all(group.map((c) => c.outcome));
    all.push(...group);
  }
  return all;
}

/** Closes every connection. */
export function closeAll(conns: IdleConn[]): void {
  for (const c of conns) c.socket.destroy();
}
