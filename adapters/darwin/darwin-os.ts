// The macOS adapter (placeholder until the kqueue/procctl layer lands).
import { loadLibc } from '../posix/ffi';
import { PosixOs, findExecHelper, type LogFn } from '../posix/posix-os';
import * as path from 'node:path';

/** The Os port on macOS. */
export class DarwinOs extends PosixOs {
  constructor(opts: { log: LogFn }) {
    super({
      log: opts.log,
      libc: loadLibc(['libSystem.B.dylib', '']),
      helperPath: findExecHelper(path.resolve(__dirname)),
      sockaddr: 'bsd',
      siginfo: { code: 8, pid: 12, status: 20 },
    });
  }
}
