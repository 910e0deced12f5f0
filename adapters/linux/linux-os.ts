// The Linux adapter: the POSIX base plus pidfds (signals and liveness checks that cannot hit
// a recycled pid, exit watch of non-children), PR_SET_CHILD_SUBREAPER with orphan reaping,
// and cgroup v2 placement/kill.

import * as fs from 'node:fs';
import * as path from 'node:path';
import type {
  AdoptSpec,
  NotifyDatagram,
  NotifySocket,
  ProcessIdentity,
  ProcessSpec,
} from '../../src/core/os';
import { capsHelperOps } from './capabilities';
import { libcLoadError, loadLibc } from '../posix/ffi';
import * as nodeOs from 'node:os';
import { findExecHelper, findNativeProgram } from '../posix/native-programs';
import { LINUX_WAIT, PosixOs, type LogFn } from '../posix/posix-os';
import { bindUnixMsg } from '../posix/unix-msg';
import type { PidRef } from '../posix/launched-child';
import { findCgroup2Mount, ownCgroupPath, resolveCgroupDir } from './cgroup';
import { PidfdWatcher } from './pidfd-watch';
import { NotifySockets } from './notify-socket';
import { bindLinuxSys, type LinuxSys } from './sys';
import { bindUtmpx, type Utmpx } from './utmpx';
import { ExecStage, type ExitStatus } from '../../src/model';
import { CapsError, LaunchError } from '../../src/errors';
import { toBytes } from '../../src/bytes';

const PR_SET_CHILD_SUBREAPER = 36;
/** pidfd_send_signal flag (Linux 6.9+): signal the target's process group. */
const PIDFD_SIGNAL_PROCESS_GROUP = 4;
const ESRCH = 3;
const EPERM = 1;
const EINVAL = 22;

/** Field 22 of /proc/<pid>/stat: start time in clock ticks since boot (tells pid reuse apart). */
export function procStartTime(pid: number, procRoot = '/proc'): string | undefined {
  try {
    const text = fs.readFileSync(`${procRoot}/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count from its last ')'.
    return text.slice(text.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** True when fd is open on a pipe with inode ino (a descriptor inherited under that number). */
function isPipe(fd: number, ino: number | undefined): boolean {
  try {
    const st = fs.fstatSync(fd);
    return st.isFIFO() && (ino === undefined || st.ino === ino);
  } catch {
    return false;
  }
}

class PidFd implements PidRef {
  private open = true;
  constructor(
    readonly fd: number,
    private readonly closeFd: (fd: number) => void,
  ) {}
  release(): void {
    if (this.open) {
      this.open = false;
      this.closeFd(this.fd);
    }
  }
}

export interface LinuxOsOptions {
  log: LogFn;
  /** Skip becoming a subreaper (tests that must not change the test runner's process). */
  noSubreaper?: boolean;
  /** Where to read mountinfo and the own cgroup (tests). */
  procRoot?: string;
  /**
   * dinit --cgroup-path: the cgroup (from the cgroup2 root) that relative run-in-cgroup paths
   * resolve against, instead of the daemon's own.
   */
  cgroupPath?: string;
  /**
   * Where the status of an adopted process that someone else reaped comes from (the native
   * init reports the exits of a crashed manager's services); without it such an exit has none.
   */
  exitReports?: (pid: number, cb: (status: ExitStatus | undefined) => void) => void;
}

/** The Os port on Linux. */
export class LinuxOs extends PosixOs {
  private readonly sys: LinuxSys | undefined;
  private readonly exitReports: LinuxOsOptions['exitReports'];
  private readonly cgroupMount: string | undefined;
  private readonly ownCgroup: string | undefined;
  private groupFlagWorks = true;
  /** Exit watch for pids we did not start (created on first use); null once it failed. */
  private pidfdWatcher: PidfdWatcher | null | undefined;
  /** sd_notify sockets and their directory (created on first use). */
  private notifySockets: NotifySockets | undefined;
  /** glibc's utmpx calls (bound on first use); null where there are none. */
  private utmpx: Utmpx | null | undefined;

  constructor(opts: LinuxOsOptions) {
    const libc = loadLibc(['libc.so.6', '']);
    const helperPath = findExecHelper(path.resolve(__dirname));
    let sys: LinuxSys | undefined;
    if (libc) {
      try {
        sys = bindLinuxSys(libc);
      } catch (e) {
        opts.log('warn', `pidfd/prctl bindings unavailable: ${(e as Error).message}`);
      }
    } else {
      opts.log(
        'warn',
        `FFI (koffi) unavailable, pidfd, subreaping and log pipes are off: ${libcLoadError()}`,
      );
    }
    let pidfd = false;
    if (sys && libc) {
      const fd = sys.pidfdOpen(process.pid);
      if (fd >= 0) {
        pidfd = true;
        libc.close(fd);
      } else {
        opts.log(
          'info',
          `pidfd_open unavailable (${libc.strerror(libc.errno())}); signals use kill(2)`,
        );
      }
    }
    let subreaper = false;
    if (sys && libc && !opts.noSubreaper) {
      subreaper = sys.prctl(PR_SET_CHILD_SUBREAPER, 1) === 0;
      if (!subreaper) opts.log('warn', `cannot become a subreaper: ${libc.strerror(libc.errno())}`);
    }
    const procRoot = opts.procRoot ?? '/proc';
    let mount: string | undefined;
    let own: string | undefined;
    try {
      mount = findCgroup2Mount(fs.readFileSync(path.join(procRoot, 'self', 'mountinfo'), 'utf8'));
      own =
        opts.cgroupPath ??
        ownCgroupPath(fs.readFileSync(path.join(procRoot, 'self', 'cgroup'), 'utf8'));
    } catch {
      // No /proc: no cgroups.
    }
    super(
      {
        log: opts.log,
        libc,
        helperPath,
        spawnerPath: spawnerPath(),
        unixMsg: libc && bindUnixMsg(libc, 'linux', nodeOs.endianness()),
        sockaddr: 'linux',
        siginfo: { code: 8, pid: 16, status: 24 },
        wait: LINUX_WAIT,
        oNonblock: 0x800,
      },
      { pidfd, subreaper, cgroups: mount !== undefined },
    );
    this.sys = sys;
    this.exitReports = opts.exitReports;
    this.cgroupMount = mount;
    this.ownCgroup = own;
    if (!helperPath)
      opts.log('warn', 'exec helper not built: services needing pre-exec steps cannot start');
    if (subreaper || process.pid === 1) this.enableReaper(() => this.listChildren());
  }

  /**
   * Stops reaping and gives up the subreaper role (so orphans born later go to init rather
   * than to a process that no longer reaps them), after one last reaping pass.
   */
  override dispose(): void {
    this.reaper?.reapAll();
    if (this.caps.subreaper && this.sys) this.sys.prctl(PR_SET_CHILD_SUBREAPER, 0);
    this.pidfdWatcher?.dispose();
    this.pidfdWatcher = undefined;
    this.notifySockets?.dispose();
    this.notifySockets = undefined;
    super.dispose();
  }

  protected override openPidRef(pid: number): PidRef | undefined {
    if (!this.caps.pidfd || !this.sys || !this.libc) return undefined;
    const fd = this.sys.pidfdOpen(pid);
    if (fd < 0) return undefined;
    const libc = this.libc;
    return new PidFd(fd, (f) => libc.close(f));
  }

  /**
   * With a pidfd the signal cannot reach a recycled pid. Group signals use the pidfd group
   * flag where the kernel has it; otherwise the pidfd is used to check the process is still
   * the one we mean before kill(-pgid).
   */
  protected override sendSignal(
    pid: number,
    ref: PidRef | undefined,
    signal: number,
    group: boolean,
  ): boolean {
    if (!(ref instanceof PidFd) || !this.sys || !this.libc)
      return super.sendSignal(pid, ref, signal, group);
    const sys = this.sys;
    const libc = this.libc;
    const ownGroup = group && this.groupOf(pid) === this.ownGroup();
    if (group && !ownGroup && this.groupFlagWorks) {
      if (sys.pidfdSendSignal(ref.fd, signal, PIDFD_SIGNAL_PROCESS_GROUP) === 0) return true;
      const e = libc.errno();
      if (e === EPERM) return true;
      if (e === EINVAL) this.groupFlagWorks = false;
      // ESRCH also means the process does not lead a process group (a daemon that forked after
      // setsid): check it is alive through the pidfd below, then signal its group by pgid.
    }
    if (sys.pidfdSendSignal(ref.fd, group && !ownGroup ? 0 : signal, 0) !== 0) {
      return libc.errno() !== ESRCH;
    }
    if (group && !ownGroup) return super.sendSignal(pid, undefined, signal, true);
    return true;
  }

  /**
   * Watches a pid that is not our descendant through its pidfd, which becomes readable when the
   * process exits (no polling). Undefined without a pidfd or when koffi cannot make async
   * calls; watchPid then checks liveness every 250 ms.
   */
  protected override watchForeign(
    _pid: number,
    onExit: (s: ExitStatus | undefined) => void,
    ref?: PidRef,
  ): { cancel(): void } | undefined {
    if (!(ref instanceof PidFd) || !this.libc || !this.sys) return undefined;
    const watcher = this.pollThread();
    if (!watcher) return undefined;
    return watcher.watch(ref.fd, () => onExit(undefined));
  }

  /** The poll thread for pidfds and notify sockets, created on first use; undefined without. */
  private pollThread(): PidfdWatcher | undefined {
    if (!this.libc || !this.sys) return undefined;
    if (this.pidfdWatcher === undefined) {
      const sys = this.sys;
      try {
        this.pidfdWatcher = new PidfdWatcher(
          this.libc,
          (fd) => sys.pidfdSendSignal(fd, 0, 0) === 0,
        );
      } catch (e) {
        this.pidfdWatcher = null;
        this.warnOnce(
          'pidfd-watch',
          `pidfd exit watch unavailable (${(e as Error).message}); other processes are polled`,
        );
      }
    }
    return this.pidfdWatcher ?? undefined;
  }

  /**
   * A service's sd_notify socket: SOCK_DGRAM with SO_PASSCRED in the daemon's directory,
   * owned by the service's user, read from the poll thread (or every 100 ms without one).
   */
  openNotifySocket(
    owner: { uid?: number; gid?: number },
    onMessage: (msg: NotifyDatagram) => void,
    at?: string,
  ): NotifySocket {
    return this.notify().open(owner, onMessage, at);
  }

  /** getsid(2) through the FFI layer; undefined when the process is gone or without koffi. */
  sessionOf(pid: number): number | undefined {
    return this.libc ? this.notify().sessionOf(pid) : undefined;
  }

  private notify(): NotifySockets {
    const libc = this.libc;
    if (!libc)
      throw new Error(`it needs the FFI layer (koffi): ${libcLoadError() ?? 'not loaded'}`);
    this.notifySockets ??= new NotifySockets(
      libc,
      () => this.pollThread(),
      (p) => this.sockaddrUn(p),
    );
    return this.notifySockets;
  }

  /**
   * Takes back a process an earlier manager started. The pidfd is opened (by watchPid) before
   * the start time is compared, so a pid recycled before that is refused, never watched. Its
   * exit status comes from waitid when it is still our child (after daemon-reexec), else from
   * exitReports (the init reaped it).
   */
  adopt(
    spec: AdoptSpec,
    onExit: (s: ExitStatus | undefined) => void,
  ): { cancel(): void } | undefined {
    const reports = this.exitReports;
    const w = this.watchPid(spec.pid, (s) => {
      if (s === undefined && reports !== undefined) reports(spec.pid, onExit);
      else onExit(s);
    });
    if (procStartTime(spec.pid) !== spec.startTime) {
      w.cancel();
      return undefined;
    }
    const fd = spec.outputFd;
    if (fd !== undefined && spec.sink !== undefined && this.libc && isPipe(fd, spec.outputIno)) {
      this.libc.setCloexec(fd);
      this.attachOutput(spec.pid, fd, spec.sink);
    } else if (fd !== undefined && spec.rotate && this.libc && isPipe(fd, spec.outputIno)) {
      this.libc.setCloexec(fd);
      this.attachRotated(spec.pid, fd, spec.rotate);
    }
    return w;
  }

  processIdentity(pid: number): ProcessIdentity | undefined {
    // The journal asks for every running service after each event: /proc is read once per
    // child of ours (its record goes when its exit is reported, so a reused pid reads afresh).
    const rec = this.liveChild(pid);
    const startTime = rec?.startTime ?? procStartTime(pid);
    if (startTime === undefined) return undefined;
    if (rec !== undefined) rec.startTime = startTime;
    const outputFd = this.outputFds.get(pid);
    if (outputFd === undefined) return { startTime };
    try {
      return { startTime, outputFd, outputIno: fs.fstatSync(outputFd).ino };
    } catch {
      return { startTime };
    }
  }

  /** The helper's 'caps' instruction; throws LaunchError for text the parser rejects. */
  protected override capsOps(spec: ProcessSpec): string[] | undefined {
    if (!spec.capabilities && !spec.securebits) return undefined;
    try {
      return capsHelperOps(spec.capabilities, spec.securebits);
    } catch (e) {
      if (e instanceof CapsError)
        throw new LaunchError(`${spec.serviceName}: ${e.message}`, ExecStage.SET_CAPS);
      throw e;
    }
  }

  protected override cgroupProcsPath(cgroup: string): string | undefined {
    if (!this.cgroupMount) return undefined;
    const dir = resolveCgroupDir(this.cgroupMount, this.ownCgroup, cgroup);
    return dir === undefined ? undefined : path.join(dir, 'cgroup.procs');
  }

  /** The utmpx calls, bound on first use (most systems have no service that needs them). */
  private loginDb(): Utmpx | undefined {
    if (this.utmpx === undefined) {
      this.utmpx = (this.libc && bindUtmpx(this.libc, process.arch, () => Date.now())) ?? null;
    }
    return this.utmpx ?? undefined;
  }

  /** An INIT_PROCESS entry in utmp for a service's process (inittab-id / inittab-line). */
  utmpStarted(id: string, line: string, pid: number): void {
    const db = this.loginDb();
    if (db !== undefined && !db.processStarted(id, line, pid)) {
      const why = this.libc ? this.libc.strerror(this.libc.errno()) : 'no C library';
      this.log('debug', `could not write the utmp entry (${id || line}): ${why}`);
    }
  }

  /** That entry marked DEAD_PROCESS. */
  utmpEnded(id: string, line: string): void {
    this.loginDb()?.processEnded(id, line);
  }

  /** The boot record in wtmp and a fresh utmp; false when it could not be written. */
  utmpBoot(): boolean {
    return this.loginDb()?.boot() ?? false;
  }

  /**
   * Kills every process in a service cgroup: through cgroup.kill (Linux 5.14+), else by
   * SIGKILLing each member of cgroup.procs until it stays empty (members may fork meanwhile).
   * Throws LaunchError (code ELAUNCH) when the cgroup cannot be resolved.
   */
  killCgroup(cgroup: string): void {
    const procs = this.cgroupProcsPath(cgroup);
    if (!procs)
      throw new LaunchError(`cgroup ${cgroup}: cgroups are not available`, ExecStage.ENTER_CGROUP);
    const dir = path.dirname(procs);
    try {
      fs.writeFileSync(toBytes(path.join(dir, 'cgroup.kill')), '1');
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
        this.log(
          'warn',
          `cgroup.kill in ${dir} failed: ${(e as Error).message}; killing members one by one`,
        );
      }
    }
    for (let pass = 0; pass < 16; pass++) {
      let pids: number[];
      try {
        pids = fs
          .readFileSync(toBytes(procs), 'latin1')
          .split('\n')
          .filter((l) => l !== '')
          .map(Number);
      } catch {
        return;
      }
      if (pids.length === 0) return;
      for (const pid of pids) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
    }
  }

  /** Direct children of the daemon, from /proc/self/task/<tid>/children. */
  private listChildren(): number[] {
    const out: number[] = [];
    try {
      for (const tid of fs.readdirSync('/proc/self/task')) {
        const text = fs.readFileSync(`/proc/self/task/${tid}/children`, 'utf8');
        for (const p of text.split(' ')) if (p.trim() !== '') out.push(Number(p));
      }
    } catch {
      // Kernel without CONFIG_PROC_CHILDREN: rely on the retry.
    }
    return out;
  }
}

/**
 * The built spawner, unless DINIT_SPAWNER says otherwise: "off" launches through child_process
 * (benchmarks compare the two), a path names another build.
 */
function spawnerPath(): string | undefined {
  const setting = process.env.DINIT_SPAWNER;
  if (setting === 'off') return undefined;
  return findNativeProgram('dinit-spawner', 'DINIT_SPAWNER', path.resolve(__dirname));
}
