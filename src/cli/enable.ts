// enable / disable: add or remove the waits-for.d link of a service in its "from" service's
// directory, telling a running daemon too (online) or only editing files (--offline).

import * as fs from 'node:fs';
import * as path from 'node:path';
import { defaultServiceDirs, findServiceFile } from '../config/service-dirs';
import { CommandContext } from './command';
import { jsonText } from './json';
import { expectAck, loadService, reportEvent, serviceFilePath, waitServiceState } from './ops';
import type { CtlPort, StatusInfo } from './port';
import type { ServiceState } from '../model';
import { strerrorCode } from '../strerror';
import { CliError, ControlError } from '../errors';
import { toBytes } from '../bytes';

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
      text = fs.readFileSync(toBytes(item.file), 'latin1');
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
    fs.unlinkSync(toBytes(tmp));
  } catch {
    // Usually absent.
  }
  fs.symlinkSync(toBytes(target), toBytes(linkPath === tmp ? linkPath : tmp));
  try {
    fs.renameSync(toBytes(tmp), toBytes(linkPath));
  } catch (e) {
    try {
      fs.unlinkSync(toBytes(tmp));
    } catch {
      // Best effort; the rename error is what matters.
    }
    throw e;
  }
}

/** A failure that ends enable/disable with upstream's message (printed after "dinitctl: "). */
function fail(message: string): CliError {
  return new CliError('EENABLE', message);
}

/** The service description file of one end of the link, and its handle when online. */
interface End {
  file: string;
  handle: number;
  state: ServiceState;
}

/** The variables `$NAME` in a description resolve to: the daemon's, or (offline) the system's. */
async function environment(
  ctx: CommandContext,
  port: CtlPort | undefined,
): Promise<Record<string, string>> {
  const env: Record<string, string> = {};
  if (port !== undefined) {
    for (const kv of await port.daemonEnvironment()) {
      const eq = kv.indexOf('=');
      if (eq > 0) env[kv.slice(0, eq)] = kv.slice(eq + 1);
    }
    return env;
  }
  if (ctx.cl.user) return env;
  try {
    const { readGlobalEnvFile } =
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require('../config/env-file') as typeof import('../config/env-file');
    return readGlobalEnvFile('/etc/dinit/environment', {});
  } catch (e) {
    throw fail(`cannot read environment file '/etc/dinit/environment' :${(e as Error).message}`);
  }
}

/**
 * Find the description file of `name`: through the daemon (loading the service) when online,
 * else in the service directories. Throws CliError; undefined after a load failure was printed.
 */
async function locate(
  ctx: CommandContext,
  port: CtlPort | undefined,
  name: string,
  what: string,
): Promise<End | undefined> {
  if (port !== undefined) {
    const s = await loadService(ctx, port, name);
    if (s === undefined) return undefined;
    return { ...s, file: await serviceFilePath(port, s.handle, name) };
  }
  return locateIn(offlineDirs(ctx), name, what);
}

/** The service directories of offline mode: -d, else the defaults. */
function offlineDirs(ctx: CommandContext): string[] {
  return ctx.cl.servicesDirs.length > 0
    ? ctx.cl.servicesDirs
    : defaultServiceDirs(ctx.cl.user ? 'user' : 'system', ctx.env);
}

/** The description file of `name` in `dirs`; throws CliError when there is none. */
function locateIn(dirs: string[], name: string, what: string): End {
  const file = findServiceFile(name, dirs);
  if (file === undefined) throw fail(`could not locate service file for ${what} '${name}'`);
  return { file, handle: -1, state: 'started' };
}

/** The service named by `@meta enable-via` in the target's description, else boot. */
function enableVia(toFile: string, to: string, resolve: Resolve, online: boolean): string {
  try {
    return scanDescription(toFile, to, resolve).enableVia ?? 'boot';
  } catch (e) {
    if (e instanceof CliError && e.reason === 'EREAD') {
      throw fail(
        `could not ${online ? 'open' : 'read'} service description file '${toFile}': ${e.message.slice(toFile.length + 2)}`,
      );
    }
    throw e;
  }
}

/**
 * The waits-for.d directory of `from` and the link for `to` in it; throws CliError when the
 * description cannot be read, has no single waits-for.d, or has a fixed dependency on `to`.
 */
function waitsForLink(
  from: string,
  fromFile: string,
  to: string,
  resolve: Resolve,
): { waitsForDir: string; linkPath: string } {
  let scan: ScanResult;
  try {
    scan = scanDescription(fromFile, from, resolve);
  } catch (e) {
    if (e instanceof CliError && e.reason === 'EREAD') throw fail(e.message);
    throw e;
  }
  if (scan.fixedDeps.includes(to)) {
    throw fail(
      `there is a fixed dependency to service '${to}' in the service description of '${from}'.`,
    );
  }
  if (scan.waitsForD.length > 1) {
    throw fail(
      `service '${from}' has multiple waits-for.d directories specified in service description`,
    );
  }
  if (scan.waitsForD.length === 0) {
    throw fail(`service '${from}' has no waits-for.d directory specified`);
  }
  const wfd = scan.waitsForD[0];
  const waitsForDir = wfd.startsWith('/') ? wfd : path.dirname(fromFile) + '/' + wfd;
  const linkPath = waitsForDir.endsWith('/') ? waitsForDir + to : `${waitsForDir}/${to}`;
  return { waitsForDir, linkPath };
}

/** Whether the link exists; throws CliError when that cannot be told. */
function linkExists(linkPath: string): boolean {
  try {
    fs.lstatSync(toBytes(linkPath));
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
    if (code === 'ENOENT') return false;
    throw fail(`checking for existing dependency link: ${linkPath}: ${strerrorCode(code)}`);
  }
}

/** Create (enable) or remove (disable) the link; throws CliError naming what failed. */
function editLink(
  enable: boolean,
  online: boolean,
  link: { waitsForDir: string; linkPath: string },
  toFile: string,
  to: string,
): void {
  const { waitsForDir, linkPath } = link;
  try {
    if (enable) createLinkAtomically(linkTarget(waitsForDir, toFile, to), linkPath);
    else fs.unlinkSync(toBytes(linkPath));
  } catch (e) {
    const why = strerrorCode((e as NodeJS.ErrnoException).code ?? 'EIO');
    const what = enable ? 'enable' : 'disable';
    throw fail(
      (enable
        ? `could not create symlink at ${linkPath}: ${why}`
        : `could not unlink dependency entry ${linkPath}: ${why}`) +
        (online
          ? `\ndinitctl: note: service was ${what}d for now; persistent ${what} failed.`
          : ''),
    );
  }
}

/** Ask the daemon to enable or disable; resolves with the status a protocol-7 enable returns. */
async function tellDaemon(
  ctx: CommandContext,
  port: CtlPort,
  enable: boolean,
  from: End,
  to: End,
): Promise<StatusInfo | undefined> {
  if (enable && from.state !== 'started') {
    ctx.err('dinitctl: warning: enabling dependency for non-started service\n');
  }
  const answer = await port.enableDisable(enable, from.handle, to.handle);
  expectAck(
    answer.reply,
    enable
      ? 'could not enable service: possible circular dependency'
      : 'service not currently enabled',
  );
  return answer.status;
}

/** After an online enable, wait for the service to start; after a disable, note dependents. */
async function followUp(
  ctx: CommandContext,
  port: CtlPort,
  enable: boolean,
  to: string,
  toHandle: number,
  enableStatus: StatusInfo | undefined,
): Promise<number> {
  if (enable && enableStatus !== undefined) {
    // Protocol 7: the enable's own answer gave the status as of the enable, so no event can
    // have been missed; wait only while the service is still on its way up.
    if (enableStatus.state !== 'started' && enableStatus.targetState === 'started') {
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
    if (st.state !== 'started') await waitServiceState(ctx, port, toHandle, to, false);
  } else if (st.targetState !== 'stopped') {
    ctx.err('dinitctl: note: disabled service may have other dependents\n');
  }
  return 0;
}

/** Run enable or disable (online or --offline); resolves with the exit code. */
export async function enableDisableCommand(ctx: CommandContext, enable: boolean): Promise<number> {
  const { cl } = ctx;
  const to = cl.to as string;
  if (cl.from !== undefined && cl.from.includes('@')) {
    throw fail('cannot enable/disable from a service with argument (service@arg).');
  }
  let port: CtlPort | undefined;
  if (!cl.offline) {
    port = await ctx.connect();
    if (port.protocolVersion < 3) throw new ControlError('old-server', 'daemon too old');
  }
  const env = await environment(ctx, port);
  const resolve: Resolve = (n) => env[n];
  const toEnd = await locate(ctx, port, to, 'target service');
  if (toEnd === undefined) return 1;
  const from = cl.from ?? enableVia(toEnd.file, to, resolve, port !== undefined);
  const fromEnd = await locate(ctx, port, from, 'service');
  if (fromEnd === undefined) return 1;

  const link = waitsForLink(from, fromEnd.file, to, resolve);
  if (linkExists(link.linkPath) && enable) throw fail('service already enabled.');
  const status =
    port === undefined ? undefined : await tellDaemon(ctx, port, enable, fromEnd, toEnd);
  editLink(enable, port !== undefined, link, toEnd.file, to);

  if (ctx.verbose) ctx.out(`Service '${to}' has been ${enable ? 'enabled' : 'disabled'}.\n`);
  if (port === undefined) return 0;
  return followUp(ctx, port, enable, to, toEnd.handle, status);
}

/**
 * Run is-enabled (dinit-ts): exit 0 when the waits-for.d of the "from" service (--from, else
 * the target's `@meta enable-via`, else boot) holds a link for the service, as enable makes it.
 * Files are found in the daemon's service directories (nothing is loaded), or offline in -d.
 */
export async function isEnabledCommand(ctx: CommandContext): Promise<number> {
  const { cl } = ctx;
  const to = cl.to as string;
  const port = cl.offline ? undefined : await ctx.connect();
  const dirs = port === undefined ? offlineDirs(ctx) : await port.serviceDirs();
  const env = await environment(ctx, port);
  const resolve: Resolve = (n) => env[n];
  const toEnd = locateIn(dirs, to, 'target service');
  const from = cl.from ?? enableVia(toEnd.file, to, resolve, port !== undefined);
  const fromEnd = locateIn(dirs, from, 'service');
  const enabled = linkExists(waitsForLink(from, fromEnd.file, to, resolve).linkPath);
  if (cl.json) {
    ctx.out(jsonText({ name: to, from, enabled }));
  } else if (ctx.verbose) {
    ctx.out(`Service '${to}' is ${enabled ? 'enabled' : 'not enabled'} (from '${from}').\n`);
  }
  return enabled ? 0 : 1;
}
