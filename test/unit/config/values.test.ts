// Typed setting values: numbers as C reads them, durations, permissions, users and groups,
// resource limits and signal names, each with upstream's error text.

import * as os from 'node:os';
import {
  parseDurationMs,
  parseGid,
  parsePerms,
  parseRlimit,
  parseSnum,
  parseUid,
  parseUnum,
  signalNumber,
} from '../../../src/config/values';
import { parseGroup, parsePasswd, type UserDb } from '../../../src/config/users';
import { DescriptionError } from '../../../src/errors';

const pos = { file: 'sd/x', line: 3 };
const NUM_ERR = 'specified value contains invalid numeric characters or is outside allowed range.';

const users = parsePasswd(
  'root:x:0:0:root:/root:/bin/sh\nalice:x:1000:1001:Alice:/home/alice:/bin/bash\n',
);
const groups = parseGroup('root:x:0:\nstaff:x:50:alice\n');
const db: UserDb = {
  userByName: (n) => users.find((u) => u.name === n),
  userById: (id) => users.find((u) => u.uid === id),
  groupByName: (n) => groups.find((g) => g.name === n),
};

function messageOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(DescriptionError);
    return (e as Error).message;
  }
  throw new Error('expected a throw');
}

describe('durations', () => {
  it('converts decimal seconds with . or , to milliseconds', () => {
    expect(parseDurationMs(pos, '10', 'stop-timeout')).toBe(10000);
    expect(parseDurationMs(pos, '1.5', 'stop-timeout')).toBe(1500);
    expect(parseDurationMs(pos, '0,25', 'stop-timeout')).toBe(250);
    expect(parseDurationMs(pos, '0.0005', 'stop-timeout')).toBe(0);
  });

  it('rejects other characters and overlong values', () => {
    expect(messageOf(() => parseDurationMs(pos, '1s', 'restart-delay'))).toBe(
      'bad value for restart-delay',
    );
    expect(messageOf(() => parseDurationMs(pos, '99999999999999999999', 'start-timeout'))).toBe(
      'too-large value for start-timeout',
    );
  });
});

describe('numbers', () => {
  it('reads decimal, hex and octal as strtoull base 0 does', () => {
    expect(parseUnum(pos, '42')).toBe(42);
    expect(parseUnum(pos, '0x10')).toBe(16);
    expect(parseUnum(pos, '010')).toBe(8);
  });

  it('rejects trailing garbage, out-of-range and negative unsigned values', () => {
    expect(messageOf(() => parseUnum(pos, '12abc'))).toBe(NUM_ERR);
    expect(messageOf(() => parseUnum(pos, '8', 7n))).toBe(NUM_ERR);
    expect(messageOf(() => parseUnum(pos, '-1', 100n))).toBe(NUM_ERR);
    expect(messageOf(() => parseUnum(pos, ''))).toBe(NUM_ERR);
  });

  it('reads signed values within bounds (nice, oom-score-adj)', () => {
    expect(parseSnum(pos, '-1000', -1000n, 1000n)).toBe(-1000);
    expect(messageOf(() => parseSnum(pos, '1001', -1000n, 1000n))).toBe(NUM_ERR);
  });
});

describe('permissions', () => {
  it('reads octal', () => {
    expect(parsePerms(pos, '0640', 'logfile-permissions')).toBe(0o640);
  });

  it("reports a bad value with upstream's text (the setting name)", () => {
    expect(messageOf(() => parsePerms(pos, '99', 'socket-permissions'))).toBe('socket-permissions');
  });
});

describe('users and groups', () => {
  it('takes a numeric user id as is, without a group', () => {
    expect(parseUid(pos, '1234', 'run-as', db)).toEqual({ uid: 1234, byName: false });
  });

  it('looks a user name up, giving uid and primary gid', () => {
    expect(parseUid(pos, 'alice', 'run-as', db)).toEqual({ uid: 1000, gid: 1001, byName: true });
  });

  it("reports a bad id or unknown user in upstream's words", () => {
    expect(messageOf(() => parseUid(pos, '9notanumber', 'run-as', db))).toBe(
      'run-as: specified user id contains invalid numeric characters or is outside allowed range.',
    );
    expect(messageOf(() => parseUid(pos, 'bob', 'socket-uid', db))).toBe(
      'socket-uid: specified user "bob" does not exist in system database.',
    );
  });

  it('resolves group names and numbers', () => {
    expect(parseGid(pos, 'staff', 'socket-gid', db)).toBe(50);
    expect(parseGid(pos, '77', 'socket-gid', db)).toBe(77);
    expect(messageOf(() => parseGid(pos, 'nogroup', 'logfile-gid', db))).toBe(
      'logfile-gid: specified group "nogroup" does not exist in system database.',
    );
  });
});

describe('resource limits', () => {
  it('reads soft:hard, a single value for both, and - for unlimited', () => {
    expect(parseRlimit(pos, '4:5', 'rlimit-nofile')).toEqual({ soft: 4, hard: 5 });
    expect(parseRlimit(pos, '7', 'rlimit-nofile')).toEqual({ soft: 7, hard: 7 });
    expect(parseRlimit(pos, '-', 'rlimit-core')).toEqual({ soft: -1, hard: -1 });
    expect(parseRlimit(pos, '4:-', 'rlimit-core')).toEqual({ soft: 4, hard: -1 });
  });

  it('leaves the unspecified side unset', () => {
    expect(parseRlimit(pos, '4:', 'rlimit-data')).toEqual({ soft: 4 });
    expect(parseRlimit(pos, ':9', 'rlimit-data')).toEqual({ hard: 9 });
  });

  it('rejects malformed limits', () => {
    expect(messageOf(() => parseRlimit(pos, 'abc', 'rlimit-data'))).toBe('rlimit-data: bad value.');
    expect(messageOf(() => parseRlimit(pos, '5x', 'rlimit-data'))).toBe('rlimit-data: bad value.');
    expect(messageOf(() => parseRlimit(pos, '', 'rlimit-data'))).toBe('rlimit-data: bad value.');
  });
});

describe('signals', () => {
  it("maps names to this platform's numbers and none to 0", () => {
    expect(signalNumber('TERM')).toBe(os.constants.signals.SIGTERM);
    expect(signalNumber('USR1')).toBe(os.constants.signals.SIGUSR1);
    expect(signalNumber('none')).toBe(0);
    expect(signalNumber('NONE')).toBe(0);
  });

  it('accepts only the names upstream lists, without SIG prefix', () => {
    expect(signalNumber('SIGTERM')).toBeUndefined();
    expect(signalNumber('PIPE')).toBeUndefined();
  });
});
