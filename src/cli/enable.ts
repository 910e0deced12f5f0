// enable / disable: add or remove the waits-for.d link of a service in its "from" service's
// directory, telling a running daemon too (online) or only editing files (--offline).

import * as fs from 'node:fs';
import * as path from 'node:path';
import { defaultServiceDirs, findServiceFile } from '../config/service-dirs';
import { CommandContext } from './command';
import { loadService, reportEvent, serviceFilePath, waitServiceState } from './ops';
import { CtlPort, ServiceStatus, State } from './port';
import { strerrorCode } from '../strerror';
import { CliError } from '../errors';
import { ControlError } from '../errors';

type Resolve = (name: string) => string | undefined;

/** What a scan of a description file found. */
interface ScanResult {
  enableVia: string | undefined;
  waitsForD: string[];
  /** Names listed in waits-for, depends-on and depends-ms. */
  fixedDeps: string[];
}

/** Substitute $NAME and ${NAME} from `resolve`; `$$` is a literal `$`. */
function substitute(v: string, resolve: Resolve): string {
  return v.replace(
    /\$(\$|\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))/g,
    (_m, all, braced, plain) => (all === '$' ? '$' : (resolve(braced ?? plain) ?? '')),
  );
}

/** A setting value: up to an unquoted " #" comment, trimmed, quotes removed, variables substituted. */
function settingValue(raw: string, resolve: Resolve): string {
  let out = '';
  let quoted = false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (c === '"') {
      quoted = !quoted;
      continue;
    }
    if (c === '\\' && i + 1 < raw.length) {
      out += raw[++i];
      continue;
    }
    if (!quoted && c === '#' && (i === 0 || /\s/.test(raw[i - 1]))) break;
    out += c;
  }
  return substitute(out.trim(), resolve);
}

/**
 * Scan a description file (following @include / @include-opt with an explicit stack) for
 * `@meta enable-via`, waits-for.d and fixed dependencies. Throws CliError on unreadable files
 * and a malformed @meta enable-via.
 */
function scanDescription(file: string, service: string, resolve: Resolve): ScanResult {
  const result: ScanResult = { enableVia: undefined, waitsForD: [], fixedDeps: [] };
  const stack: Array<{ file: string; optional: boolean }> = [{ file, optional: false }];
  while (stack.length > 0) {
    const item = stack.pop() as { file: string; optional: boolean };
    let text: string;
    try {
      text = fs.readFileSync(item.file, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
      if (item.optional && code === 'ENOENT') continue;
      throw new CliError('EREAD', `${item.file}: ${strerrorCode(code)}`, 1, { file: item.file });
    }
    const includes: Array<{ file: string; optional: boolean }> = [];
    for (const line of text.split('\n')) {
      const t = line.trim();
      if (t === '' || t.startsWith('#')) continue;
      if (t.startsWith('@')) {
        const m = /^@(\S+)\s*(.*)$/.exec(t);
        if (m === null) continue;
        const [, directive, rest] = m;
        if (directive === 'meta') {
          const mm = /^(\S+)\s*(.*)$/.exec(rest);
          if (mm !== null && mm[1] === 'enable-via') {
            const arg = mm[2].trim();
            if (arg === '' || /\s/.test(arg)) {
              throw new CliError(
                'EDESC',
                `error loading ${service}: '@meta enable-via' argument missing or malformed`,
              );
            }
            result.enableVia = arg;
          }
        } else if (directive === 'include' || directive === 'include-opt') {
          const inc = settingValue(rest, resolve);
          includes.push({
            file: path.resolve(path.dirname(item.file), inc),
            optional: directive === 'include-opt',
          });
        }
        continue;
      }
      const m = /^([A-Za-z0-9_.-]+)\s*(\+?=|:)(.*)$/.exec(t);
      if (m === null) continue;
      const [, setting, , raw] = m;
      if (setting === 'waits-for' || setting === 'depends-on' || setting === 'depends-ms') {
        result.fixedDeps.push(settingValue(raw, resolve));
      } else if (setting === 'waits-for.d') {
        result.waitsForD.push(settingValue(raw, resolve));
      }
    }
    // Push in reverse so the first include is scanned first.
    for (let i = includes.length - 1; i >= 0; i--) stack.push(includes[i]);
  }
  return result;
}

/** The relative link target upstream computes for the waits-for.d entry. */
function linkTarget(waitsForDir: string, toFile: string, to: string): string {
  const spos = waitsForDir.lastIndexOf('/');
  if (spos !== -1 && toFile.startsWith(waitsForDir.slice(0, spos))) {
    return '../' + toFile.slice(spos + 1);
  }
  return toFile.startsWith('/') ? toFile : '../' + to;
}

/** Create `linkPath` -> `target` atomically (made under a temporary name, then renamed). */
function createLinkAtomically(target: string, linkPath: string): void {
  const tmp = path.join(path.dirname(linkPath), `.${path.basename(linkPath)}.${process.pid}.tmp`);
  try {
    fs.unlinkSync(tmp);
  } catch {
    // Usually absent.
  }
  fs.symlinkSync(target, linkPath === tmp ? linkPath : tmp);
  try {
    fs.renameSync(tmp, linkPath);
  } catch (e) {
    try {
      fs.unlinkSync(tmp);
    } catch {
      // Best effort; the rename error is what matters.
    }
    throw e;
  }
}

/** Run enable or disable (online or --offline); resolves with the exit code. */
export async function enableDisableCommand(ctx: CommandContext, enable: boolean): Promise<number> {
  const { cl } = ctx;
  const to = cl.to as string;
  let from = cl.from;
  if (from !== undefined && from.includes('@')) {
    ctx.err('dinitctl: cannot enable/disable from a service with argument (service@arg).\n');
    return 1;
  }

  let port: CtlPort | undefined;
  let env: Record<string, string> = {};
  let toFile: string;
  let fromFile: string;
  let toHandle = -1;
  let fromHandle = -1;
  let fromState: number = State.STARTED;

  if (!cl.offline) {
    port = await ctx.connect();
    if (port.protocolVersion < 3) throw new ControlError('old-server', 'daemon too old');
    for (const kv of await port.daemonEnvironment()) {
      const eq = kv.indexOf('=');
      if (eq > 0) env[kv.slice(0, eq)] = kv.slice(eq + 1);
    }
  } else if (!cl.user) {
    try {
      const { readGlobalEnvFile } =
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        require('../config/env-file') as typeof import('../config/env-file');
      env = readGlobalEnvFile('/etc/dinit/environment', {});
    } catch (e) {
      ctx.err(
        `dinitctl: cannot read environment file '/etc/dinit/environment' :${(e as Error).message}\n`,
      );
      return 1;
    }
  }
  const resolve: Resolve = (n) => env[n];

  const dirs =
    cl.servicesDirs.length > 0
      ? cl.servicesDirs
      : defaultServiceDirs(cl.user ? 'user' : 'system', ctx.env);
  if (port !== undefined) {
    const t = await loadService(ctx, port, to);
    if (t === undefined) return 1;
    toHandle = t.handle;
    toFile = await serviceFilePath(port, toHandle, to);
  } else {
    const found = findServiceFile(to, dirs);
    if (found === undefined) {
      ctx.err(`dinitctl: could not locate service file for target service '${to}'\n`);
      return 1;
    }
    toFile = found;
  }

  if (from === undefined) {
    try {
      from = scanDescription(toFile, to, resolve).enableVia ?? 'boot';
    } catch (e) {
      if (e instanceof CliError && e.reason === 'EREAD') {
        ctx.err(
          `dinitctl: could not ${port ? 'open' : 'read'} service description file '${toFile}': ${e.message.slice(toFile.length + 2)}\n`,
        );
        return 1;
      }
      throw e;
    }
  }

  if (port !== undefined) {
    const f = await loadService(ctx, port, from);
    if (f === undefined) return 1;
    fromHandle = f.handle;
    fromState = f.state;
    fromFile = await serviceFilePath(port, fromHandle, from);
  } else {
    const found = findServiceFile(from, dirs);
    if (found === undefined) {
      ctx.err(`dinitctl: could not locate service file for service '${from}'\n`);
      return 1;
    }
    fromFile = found;
  }

  let scan: ScanResult;
  try {
    scan = scanDescription(fromFile, from, resolve);
  } catch (e) {
    if (e instanceof CliError && e.reason === 'EREAD') {
      ctx.err(`dinitctl: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
  if (scan.fixedDeps.includes(to)) {
    ctx.err(
      `dinitctl: there is a fixed dependency to service '${to}' in the service description of '${from}'.\n`,
    );
    return 1;
  }
  if (scan.waitsForD.length > 1) {
    ctx.err(
      `dinitctl: service '${from}' has multiple waits-for.d directories specified in service description\n`,
    );
    return 1;
  }
  if (scan.waitsForD.length === 0) {
    ctx.err(`dinitctl: service '${from}' has no waits-for.d directory specified\n`);
    return 1;
  }
  const wfd = scan.waitsForD[0];
  const waitsForDir = wfd.startsWith('/') ? wfd : path.dirname(fromFile) + '/' + wfd;
  const linkPath = waitsForDir.endsWith('/') ? waitsForDir + to : `${waitsForDir}/${to}`;
  let exists = false;
  try {
    fs.lstatSync(linkPath);
    exists = true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
    if (code !== 'ENOENT') {
      ctx.err(
        `dinitctl: checking for existing dependency link: ${linkPath}: ${strerrorCode(code)}\n`,
      );
      return 1;
    }
  }
  if (exists && enable) {
    ctx.err('dinitctl: service already enabled.\n');
    return 1;
  }

  let enableStatus: ServiceStatus | undefined;
  if (port !== undefined) {
    if (enable && fromState !== State.STARTED) {
      ctx.err('dinitctl: warning: enabling dependency for non-started service\n');
    }
    const answer = await port.enableDisable(enable, fromHandle, toHandle);
    enableStatus = answer.status;
    const r = answer.reply;
    if (r === 'nak') {
      ctx.err(
        enable
          ? 'dinitctl: could not enable service: possible circular dependency\n'
          : 'dinitctl: service not currently enabled\n',
      );
      return 1;
    }
    if (r !== 'ack') throw new CliError('EPROTO', 'control socket protocol error');
  }

  try {
    if (enable) createLinkAtomically(linkTarget(waitsForDir, toFile, to), linkPath);
    else fs.unlinkSync(linkPath);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
    let msg = enable
      ? `dinitctl: could not create symlink at ${linkPath}: ${strerrorCode(code)}`
      : `dinitctl: could not unlink dependency entry ${linkPath}: ${strerrorCode(code)}`;
    if (port !== undefined) {
      msg += enable
        ? '\ndinitctl: note: service was enabled for now; persistent enable failed.'
        : '\ndinitctl: note: service was disabled for now; persistent disable failed.';
    }
    ctx.err(msg + '\n');
    return 1;
  }

  if (ctx.verbose) ctx.out(`Service '${to}' has been ${enable ? 'enabled' : 'disabled'}.\n`);
  if (port === undefined) return 0;

  if (enable && enableStatus !== undefined) {
    // Protocol 7: the enable's own answer gave the status as of the enable, so no event can
    // have been missed; wait only while the service is still on its way up.
    if (enableStatus.state !== State.STARTED && enableStatus.target === State.STARTED) {
      return waitServiceState(ctx, port, toHandle, to, false);
    }
    return 0;
  }
  const st = await port.serviceStatus(toHandle);
  if (enable) {
    // A start event may already have arrived (the enable starts the service when "from" is up).
    for (const ev of port.pendingEvents(toHandle)) {
      const r = reportEvent(ctx, ev, to, false);
      if (r >= 0) return r;
    }
    if (st.state !== State.STARTED) await waitServiceState(ctx, port, toHandle, to, false);
  } else if (st.target !== State.STOPPED) {
    ctx.err('dinitctl: note: disabled service may have other dependents\n');
  }
  return 0;
}
