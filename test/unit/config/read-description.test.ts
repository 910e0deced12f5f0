// Loading whole descriptions from temporary service directories: defaults, operators,
// fragments, substitution order, service arguments, .d directories, errors and search paths.

import fc from 'fast-check';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FileDescriptionSource } from '../../../src/config/file-source';
import { describeLoadFailure as formatLoadFailure } from '../../../src/core/service-loader';
import {
  loadService,
  loadServiceDescription,
  readEnableVia,
  type CheckHooks,
} from '../../../src/config/read-description';
import { defaultServiceDirs, findServiceFile } from '../../../src/config/service-dirs';
import { SERVICE_DEFAULTS } from '../../../src/config/types';
import { parseGroup, parsePasswd, type UserDb } from '../../../src/config/users';
import { ServiceLoadError, type LoadFailure } from '../../../src/errors';

let root: string;
let sd: string;
let n = 0;

const users = parsePasswd('svc:x:500:501:Svc:/var/svc:/bin/false\n');
const userDb: UserDb = {
  userByName: (u) => users.find((x) => x.name === u),
  userById: (id) => users.find((x) => x.uid === id),
  groupByName: (g) => parseGroup('logs:x:77:\n').find((x) => x.name === g),
};

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'load-svc-'));
  sd = path.join(root, `sd${n++}`);
  fs.mkdirSync(sd);
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

function svc(name: string, text: string, dir = sd): string {
  const p = path.join(dir, name);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, text);
  return p;
}

function load(name: string, env: Record<string, string> = {}, warnings?: string[]) {
  return loadServiceDescription(name, {
    serviceDirs: [sd],
    env,
    userDb,
    cwd: root,
    onWarning: (m) => warnings?.push(m),
  });
}

function failure(name: string, env: Record<string, string> = {}): LoadFailure {
  try {
    load(name, env);
  } catch (e) {
    expect(e).toBeInstanceOf(ServiceLoadError);
    return (e as ServiceLoadError).failure;
  }
  throw new Error('expected a load failure');
}

describe('defaults and basic settings', () => {
  it('records the file modification time to the nanosecond and in milliseconds', () => {
    const f = svc('timed', 'type = internal\n');
    fs.utimesSync(f, 1_700_000_000.123456, 1_700_000_000.123456);
    const st = fs.statSync(f, { bigint: true });
    const d = load('timed');
    expect(d.mtimeNs).toBe(st.mtimeNs);
    expect(Math.floor(d.mtimeMs!)).toBe(Number(st.mtimeNs / 1000000n));
  });

  it('gives an empty description the internal type and upstream defaults', () => {
    svc('empty', '');
    const d = load('empty');
    expect(d.type).toBe('internal');
    expect(d.restart).toBe(SERVICE_DEFAULTS.restart);
    expect(d.restartDelayMs).toBe(200);
    expect(d.restartLimitIntervalMs).toBe(10000);
    expect(d.restartLimitCount).toBe(3);
    expect(d.startTimeoutMs).toBe(60000);
    expect(d.stopTimeoutMs).toBe(10000);
    expect(d.termSignal).toBe(os.constants.signals.SIGTERM);
    expect(d.logType).toBe('none');
    expect(d.logBufferSize).toBe(4096);
    expect(d.logfilePermissions).toBe(0o600);
    expect(d.socketPermissions).toBe(0o666);
    expect(d.serviceDir).toBe(sd);
    expect(d.file).toBe(path.join(sd, 'empty'));
  });

  it('splits the command into words and converts durations to ms', () => {
    svc(
      'p',
      'type = process\ncommand = /bin/echo "hello world" x\nstop-timeout = 2.5\nrestart = on-failure\n',
    );
    const d = load('p');
    expect(d.command).toEqual(['/bin/echo', 'hello world', 'x']);
    expect(d.stopTimeoutMs).toBe(2500);
    expect(d.restart).toBe('on-failure');
  });

  it('accepts = and : alike', () => {
    svc('c', 'type: process\ncommand: /bin/true\n');
    expect(load('c').type).toBe('process');
  });

  it('appends to command with +=', () => {
    svc('c', 'type = process\ncommand = /bin/echo a\ncommand += b "c d"\n');
    expect(load('c').command).toEqual(['/bin/echo', 'a', 'b', 'c d']);
  });

  it('accumulates dependency settings and options, replaces other settings', () => {
    svc(
      'd',
      'depends-on = a\ndepends-on: b\noptions = starts-rwfs\noptions = starts-log\nrestart = no\nrestart = yes\n',
    );
    const d = load('d');
    expect(d.dependencies.map((x) => [x.name, x.type])).toEqual([
      ['a', 'regular'],
      ['b', 'regular'],
    ]);
    expect(d.options.startsRwfs).toBe(true);
    expect(d.options.startsLog).toBe(true);
    expect(d.restart).toBe('yes');
  });

  it('records every dependency kind, with after/before last', () => {
    svc('d', 'before = z\nafter = y\ndepends-ms = m\nwaits-for = w\nprepared-by = p\n');
    expect(load('d').dependencies.map((x) => `${x.type}:${x.name}`)).toEqual([
      'milestone:m',
      'waits-for:w',
      'prepared-by:p',
      'after:y',
      'before:z',
    ]);
  });

  it('switches log-type from none to file when only a logfile is given, resolved against the working dir', () => {
    svc('l', 'type = process\ncommand = /bin/true\nlogfile = out.log\n');
    const d = load('l');
    expect(d.logType).toBe('file');
    expect(d.logfile).toBe(path.join(sd, 'out.log'));
  });

  it('drops the logfile when a later log-type is not file', () => {
    svc('l', 'type = process\ncommand = /bin/true\nlogfile = /tmp/x.log\nlog-type = buffer\n');
    const d = load('l');
    expect(d.logType).toBe('buffer');
    expect(d.logfile).toBeUndefined();
  });

  it('resolves run-as by name to uid and primary gid, and by number without a gid', () => {
    svc('r1', 'type = process\ncommand = /bin/true\nrun-as = svc\n');
    svc('r2', 'type = process\ncommand = /bin/true\nrun-as = 1234\n');
    expect(load('r1').runAs).toEqual({ user: 'svc', uid: 500, gid: 501, byName: true });
    expect(load('r2').runAs).toEqual({ user: '1234', uid: 1234, gid: undefined, byName: false });
  });

  it('gives the socket the primary group of a socket-uid given by name', () => {
    svc(
      's',
      'type = process\ncommand = /bin/true\nsocket-listen = /run/s.sock\nsocket-uid = svc\nsocket-permissions = 0600\n',
    );
    const d = load('s');
    expect(d.socketUid).toBe(500);
    expect(d.socketGid).toBe(501);
    expect(d.socketPermissions).toBe(0o600);
  });

  it('reads ready-notification, ioprio, nice, oom-score-adj, rlimits and run-in-jail', () => {
    svc(
      'x',
      'type = process\ncommand = /bin/true\nready-notification = pipevar:READY_FD\nioprio = best-effort:4\n' +
        'nice = -5\noom-score-adj = -100\nrlimit-nofile = 100:200\nrun-in-jail = web\nterm-signal = HUP\n',
    );
    const d = load('x');
    expect(d.readyNotification).toEqual({ kind: 'pipevar', variable: 'READY_FD' });
    expect(d.ioprio).toEqual({ class: 'best-effort', level: 4 });
    expect(d.nice).toBe(-5);
    expect(d.oomScoreAdj).toBe(-100);
    expect(d.rlimits.nofile).toEqual({ soft: 100, hard: 200 });
    expect(d.runInJail).toBe('web');
    expect(d.termSignal).toBe(os.constants.signals.SIGHUP);
  });
});

describe('file structure', () => {
  it('joins a backslash-continued value with the next indented line', () => {
    svc('c', 'type = process\ncommand = /bin/echo a \\\n    b\n');
    expect(load('c').command).toEqual(['/bin/echo', 'a', 'b']);
  });

  it('refuses a continuation line that does not start with whitespace', () => {
    svc('c', 'type = process\ncommand = /bin/echo \\\nb\n');
    const f = failure('c');
    expect(f).toMatchObject({ kind: 'description', line: 3 });
    expect((f as { message: string }).message).toBe(
      "line following line-continuation backslash (`\\') does not begin with whitespace character",
    );
  });

  it('reads @include fragments relative to the including file', () => {
    svc('inc/common', 'restart = no\n');
    svc('i', 'type = internal\n@include inc/common\n@include-opt inc/missing\n');
    expect(load('i').restart).toBe('no');
  });

  it("reads a symlinked description's @include relative to the link's target", () => {
    const elsewhere = path.join(root, 'elsewhere');
    svc('inc/common', 'restart = no\n', elsewhere);
    svc('real', 'type = internal\n@include inc/common\n', elsewhere);
    svc('plain', 'type = internal\n@include inc/common\n');
    svc('inc/common', 'restart = on-failure\n');
    fs.symlinkSync(path.join(elsewhere, 'real'), path.join(sd, 'linked'));
    // Loaded in one job, as the daemon loads a service and its dependencies: a file in the
    // directory and a link out of it resolve apart.
    expect([load('plain').restart, load('linked').restart]).toEqual(['on-failure', 'no']);
    // A directory reached through a symlink: `..` is taken from where its files really are.
    svc('up', 'type = internal\n@include ../frag\n', elsewhere);
    svc('frag', 'restart = no\n', root);
    svc('deep/frag', 'restart = on-failure\n', root);
    const viaLink = path.join(root, 'deep', 'via');
    fs.symlinkSync(elsewhere, viaLink);
    const d = loadServiceDescription('up', { serviceDirs: [viaLink], env: {}, userDb, cwd: root });
    expect(d.restart).toBe('no');
  });

  it('fails on a missing @include with a load error', () => {
    svc('i', '@include nothere\n');
    expect(failure('i')).toEqual({
      kind: 'load',
      name: 'i',
      message: 'nothere: cannot open: No such file or directory',
    });
  });

  it('names the fragment file and line of an error inside an include', () => {
    const frag = svc('frag', 'restart = sometimes\n');
    svc('i', `type = internal\n@include ${frag}\n`);
    expect(failure('i')).toEqual({
      kind: 'description',
      name: 'i',
      file: frag,
      line: 1,
      setting: 'restart',
      message: 'restart must be one of: "yes", "true", "no", "false" or "on-failure"',
    });
  });

  it('refuses unknown settings and += on settings that do not take it', () => {
    svc('u', 'type = internal\nfrobnicate = 1\n');
    svc('p', 'type += process\n');
    expect(failure('u')).toMatchObject({
      kind: 'description',
      line: 2,
      message: "unknown setting: 'frobnicate'.",
    });
    expect(failure('p')).toMatchObject({
      kind: 'description',
      line: 1,
      message: "cannot use '+=' with setting 'type'",
    });
  });

  it('refuses unknown meta commands and malformed lines', () => {
    svc('m', '@frob\n');
    svc('b', 'just words\n');
    expect(failure('m')).toMatchObject({ kind: 'description', message: 'bad meta command' });
    expect(failure('b')).toMatchObject({ kind: 'description', message: 'badly formed line.' });
  });

  it('reports finalisation problems as load errors', () => {
    svc('nc', 'type = process\n');
    svc('bg', 'type = bgprocess\ncommand = /bin/true\n');
    expect(failure('nc')).toEqual({
      kind: 'load',
      name: 'nc',
      message: "'command' setting not specified.",
    });
    expect(failure('bg')).toMatchObject({
      kind: 'load',
      message: "process ID file ('pid-file') not specified for bgprocess service.",
    });
  });

  it('notes @meta enable-via and reads it on its own', () => {
    svc('e', '@meta enable-via boot\ntype = internal\n');
    svc('bad', '@meta enable-via\n');
    expect(load('e').enableVia).toBe('boot');
    expect(readEnableVia('e', [sd])).toBe('boot');
    expect(() => readEnableVia('bad', [sd])).toThrow(
      "'@meta enable-via' argument missing or malformed",
    );
  });
});

describe('substitution', () => {
  it('substitutes the service argument in commands and dependency names', () => {
    svc('t', 'type = process\ncommand = /bin/echo $1\ndepends-on = dep@$1\n');
    const d = load('t@x1');
    expect(d.name).toBe('t@x1');
    expect(d.command).toEqual(['/bin/echo', 'x1']);
    expect(d.dependencies[0].name).toBe('dep@x1');
  });

  it('uses env-file values over the Dinit environment in commands, but not in dependency names', () => {
    svc('env', 'V=fromfile\n');
    svc('t', 'type = process\nenv-file = env\ncommand = /bin/echo $V\ndepends-on = d-$V\n');
    const d = load('t', { V: 'fromdinit' });
    expect(d.command).toEqual(['/bin/echo', 'fromfile']);
    expect(d.dependencies[0].name).toBe('d-fromdinit');
    expect(d.env).toEqual({ V: 'fromfile' });
    expect(d.envFile).toBe(path.join(sd, 'env'));
  });

  it('exports passwd variables and the service name into the service environment', () => {
    svc(
      't',
      'type = process\ncommand = /bin/echo $HOME $DINIT_SERVICE\nrun-as = svc\nload-options = export-passwd-vars export-service-name\n',
    );
    const d = load('t');
    expect(d.command).toEqual(['/bin/echo', '/var/svc', 't']);
    expect(d.env).toMatchObject({
      USER: 'svc',
      LOGNAME: 'svc',
      UID: '500',
      GID: '501',
      DINIT_SERVICE: 't',
    });
  });

  it('reports a bad substitution in a dependency by setting, without a line', () => {
    svc('t', 'depends-on = ${X\n');
    expect(failure('t')).toMatchObject({
      kind: 'description',
      setting: 'depends-on',
      message: "unmatched '{' in variable substitution",
    });
  });
});

describe('dependency directories', () => {
  it('adds each entry of a .d directory, resolved against the fragment, marked as from the directory', () => {
    fs.mkdirSync(path.join(sd, 'boot.d'));
    fs.writeFileSync(path.join(sd, 'boot.d', 'a'), '');
    fs.writeFileSync(path.join(sd, 'boot.d', '.hidden'), '');
    svc('boot', 'waits-for.d = boot.d\n');
    const d = load('boot');
    const dir = path.join(sd, 'boot.d');
    expect(d.dependencies).toEqual([
      {
        name: 'a',
        type: 'waits-for',
        file: path.join(sd, 'boot'),
        line: 1,
        fromDir: dir,
        fromDirSetting: 'boot.d',
      },
    ]);
  });

  it('warns about and otherwise ignores a missing .d directory', () => {
    svc('boot', 'depends-on.d = nope\n');
    const warnings: string[] = [];
    expect(load('boot', {}, warnings).dependencies).toEqual([]);
    expect(warnings).toEqual([
      `Could not open dependency directory '${sd}/nope' for boot service.`,
    ]);
  });
});

describe('finding services', () => {
  it('reports a missing service as not-found', () => {
    expect(failure('ghost')).toEqual({ kind: 'not-found', name: 'ghost' });
  });

  it('refuses names that could leave the service directory', () => {
    svc('../outside', 'type = internal\n', sd);
    for (const bad of ['../outside', 'a/b', '.hidden', '']) {
      expect(failure(bad).kind).toBe('load');
    }
  });

  it('searches directories in order and finds the file for a name with an argument', () => {
    const second = path.join(root, 'second');
    fs.mkdirSync(second);
    svc('only2', 'type = internal\n', second);
    expect(findServiceFile('only2@arg', [sd, second])).toBe(`${second}/only2`);
    expect(findServiceFile('none', [sd, second])).toBeUndefined();
    const d = loadServiceDescription('only2', { serviceDirs: [sd, second], env: {}, cwd: root });
    expect(d.serviceDir).toBe(second);
  });

  it('serves descriptions through FileDescriptionSource with the current environment', () => {
    svc('t', 'type = process\ncommand = /bin/echo $X\n');
    let env: Record<string, string> = { X: 'one' };
    const src = new FileDescriptionSource({ serviceDirs: [sd], getEnv: () => env });
    expect(src.load('t').command).toEqual(['/bin/echo', 'one']);
    env = { X: 'two' };
    expect(src.load('t').command).toEqual(['/bin/echo', 'two']);
    expect(src.environment()).toEqual({ X: 'two' });
  });

  it('formats failures as the daemon logs them', () => {
    expect(
      formatLoadFailure({
        kind: 'description',
        name: 'a',
        file: 'sd/a',
        line: 2,
        message: 'unterminated quoted string',
      }),
    ).toBe("Error in service description for 'a' (file sd/a, line 2): unterminated quoted string");
    expect(formatLoadFailure({ kind: 'not-found', name: 'a' })).toBe(
      'Could not load service a: service description not found.',
    );
  });
});

describe('defaultServiceDirs', () => {
  it('lists the system directories in upstream order', () => {
    expect(defaultServiceDirs('system', {})).toEqual([
      '/etc/dinit.d',
      '/run/dinit.d',
      '/usr/local/lib/dinit.d',
      '/lib/dinit.d',
    ]);
  });

  it('puts the XDG and home config directories first in user mode', () => {
    expect(defaultServiceDirs('user', { XDG_CONFIG_HOME: '/x/', HOME: '/h' })).toEqual([
      '/x/dinit.d',
      '/h/.config/dinit.d',
      '/etc/dinit.d/user',
      '/usr/lib/dinit.d/user',
      '/usr/local/lib/dinit.d/user',
    ]);
  });

  it('does not list the home config directory twice', () => {
    expect(defaultServiceDirs('user', { XDG_CONFIG_HOME: '/h/.config', HOME: '/h' })[1]).toBe(
      '/etc/dinit.d/user',
    );
  });
});

describe('robustness', () => {
  it('fails only with ServiceLoadError on arbitrary description text', () => {
    const token = fc.constantFrom(
      'type', 'command', 'depends-on', 'waits-for.d', 'options', 'run-as', 'rlimit-core', 'logfile',
      '=', ':', '+=', ' ', '"', '\\', '#', '\n', '\n ', '$', '${', '}', ':-', '@include', '@meta',
      'process', 'bgprocess', '1', '-', 'x', '/bin/true', '$1', '$/A',
    ); // prettier-ignore
    fc.assert(
      fc.property(
        fc.array(fc.oneof(token, fc.string({ maxLength: 4 })), { maxLength: 30 }),
        fc.boolean(),
        (parts, arg) => {
          svc('fuzz', parts.join(''));
          try {
            load(arg ? 'fuzz@a' : 'fuzz', { A: 'x y' });
          } catch (e) {
            expect(e).toBeInstanceOf(ServiceLoadError);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('check mode (dinit-check hooks)', () => {
  function check(name: string) {
    const seen: string[] = [];
    const hooks: CheckHooks = {
      lineError: (e) => seen.push(`line ${e.pos?.line ?? '-'} ${e.setting ?? '-'}: ${e.message}`),
      error: (m) => seen.push(`error: ${m}`),
      lint: (m) => seen.push(`lint: ${m}`),
      varLookup: () => seen.push('var'),
      depDirError: (d, r) => seen.push(`dir ${d}: ${r}`),
      readError: (r) => seen.push(`read: ${r}`),
    };
    const loaded = loadService(name, { serviceDirs: [sd], env: {}, userDb, cwd: root }, hooks);
    return { seen, loaded };
  }

  it('reports each bad line and carries on to the end of the file', () => {
    svc(
      't',
      'type = process\nrestart = maybe\nnice = high\ncommand = /bin/true\nwaits-for.d = none.d\n',
    );
    const { seen, loaded } = check('t');
    expect(seen).toEqual([
      'line 2 restart: restart must be one of: "yes", "true", "no", "false" or "on-failure"',
      'line 3 -: specified value contains invalid numeric characters or is outside allowed range.',
      'dir none.d: No such file or directory',
    ]);
    expect(loaded.description.command).toEqual(['/bin/true']);
  });

  it('lints settings that the service type ignores, even after a bad value', () => {
    svc('i', 'type = internal\noom-score-adj = lots\nrun-as = 0\nlogfile = /tmp/l\n');
    const { seen } = check('i');
    expect(seen.filter((s) => s.startsWith('lint'))).toEqual([
      "lint: 'run-as' specified, but ignored for the specified (or default) service type.",
      "lint: option 'log_type' was specified, but ignored for the specified (or default) service type.",
      "lint: option 'oom-score-adj' was specified, but ignored for the specified (or default) service type.",
    ]);
  });

  it('reports finalisation problems without throwing', () => {
    svc('b', 'type = bgprocess\n');
    expect(check('b').seen).toEqual([
      "error: 'command' setting not specified.",
      "error: process ID file ('pid-file') not specified for bgprocess service.",
    ]);
  });
});

describe('include limits', () => {
  it('stops an @include cycle with a load error instead of looping', () => {
    svc('loop', '@include loop\n');
    const f = failure('loop');
    expect(f.kind).toBe('load');
    expect((f as { message: string }).message).toBe(
      'loop: cannot open: too many nested @include files (limit 128)',
    );
  });
});
