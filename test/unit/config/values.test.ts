// Typed setting values: numbers as C reads them, durations, permissions, users and groups,
// resource limits and signal names, each with upstream's error text.

import * as os from 'node:os';
import * as values from '../../../src/config/values';
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
    expect(values.parseDurationMs(pos, '10', 'stop-timeout')).toBe(10000);
    expect(values.parseDurationMs(pos, '1.5', 'stop-timeout')).toBe(1500);
    expect(values.parseDurationMs(pos, '0,25', 'stop-timeout')).toBe(250);
    expect(values.parseDurationMs(pos, '0.0005', 'stop-timeout')).toBe(0);
  });

  it('rejects other characters and overlong values', () => {
    expect(messageOf(() => values.parseDurationMs(pos, '1s', 'restart-delay'))).toBe(
      'bad value for restart-delay',
    );
    expect(
      messageOf(() => values.parseDurationMs(pos, '99999999999999999999', 'start-timeout')),
    ).toBe('too-large value for start-timeout');
  });
});

describe('numbers', () => {
  it('reads decimal, hex and octal as strtoull base 0 does', () => {
    expect(values.parseUnum(pos, '42')).toBe(42);
    expect(values.parseUnum(pos, '0x10')).toBe(16);
    expect(values.parseUnum(pos, '010')).toBe(8);
  });

  it('rejects trailing garbage, out-of-range and negative unsigned values', () => {
    expect(messageOf(() => values.parseUnum(pos, '12abc'))).toBe(NUM_ERR);
    expect(messageOf(() => values.parseUnum(pos, '8', 7n))).toBe(NUM_ERR);
    expect(messageOf(() => values.parseUnum(pos, '-1', 100n))).toBe(NUM_ERR);
    expect(messageOf(() => values.parseUnum(pos, ''))).toBe(NUM_ERR);
  });

  it('reads signed values within bounds (nice, oom-score-adj)', () => {
    expect(values.parseSnum(pos, '-1000', -1000n, 1000n)).toBe(-1000);
    expect(messageOf(() => values.parseSnum(pos, '1001', -1000n, 1000n))).toBe(NUM_ERR);
  });
});

describe('permissions', () => {
  it('reads octal', () => {
    expect(values.parsePerms(pos, '0640', 'logfile-permissions')).toBe(0o640);
  });

  it("reports a bad value with upstream's text (the setting name)", () => {
    expect(messageOf(() => values.parsePerms(pos, '99', 'socket-permissions'))).toBe(
      'socket-permissions',
    );
  });
});

describe('users and groups', () => {
  it('takes a numeric user id as is, without a group', () => {
    expect(values.parseUid(pos, '1234', 'run-as', db)).toEqual({ uid: 1234, byName: false });
  });

  it('looks a user name up, giving uid and primary gid', () => {
    expect(values.parseUid(pos, 'alice', 'run-as', db)).toEqual({
      uid: 1000,
      gid: 1001,
      byName: true,
    });
  });

  it("reports a bad id or unknown user in upstream's words", () => {
    expect(messageOf(() => values.parseUid(pos, '9notanumber', 'run-as', db))).toBe(
      'run-as: specified user id contains invalid numeric characters or is outside allowed range.',
    );
    expect(messageOf(() => values.parseUid(pos, 'bob', 'socket-uid', db))).toBe(
      'socket-uid: specified user "bob" does not exist in system database.',
    );
  });

  it('resolves group names and numbers', () => {
    expect(values.parseGid(pos, 'staff', 'socket-gid', db)).toBe(50);
    expect(values.parseGid(pos, '77', 'socket-gid', db)).toBe(77);
    expect(messageOf(() => values.parseGid(pos, 'nogroup', 'logfile-gid', db))).toBe(
      'logfile-gid: specified group "nogroup" does not exist in system database.',
    );
  });
});

describe('resource limits', () => {
  it('reads soft:hard, a single value for both, and - for unlimited', () => {
    expect(values.parseRlimit(pos, '4:5', 'rlimit-nofile')).toEqual({ soft: 4, hard: 5 });
    expect(values.parseRlimit(pos, '7', 'rlimit-nofile')).toEqual({ soft: 7, hard: 7 });
    expect(values.parseRlimit(pos, '-', 'rlimit-core')).toEqual({ soft: -1, hard: -1 });
    expect(values.parseRlimit(pos, '4:-', 'rlimit-core')).toEqual({ soft: 4, hard: -1 });
  });

  it('leaves the unspecified side unset', () => {
    expect(values.parseRlimit(pos, '4:', 'rlimit-data')).toEqual({ soft: 4 });
    expect(values.parseRlimit(pos, ':9', 'rlimit-data')).toEqual({ hard: 9 });
  });

  it('rejects malformed limits', () => {
    expect(messageOf(() => values.parseRlimit(pos, 'abc', 'rlimit-data'))).toBe(
      'rlimit-data: bad value.',
    );
    expect(messageOf(() => values.parseRlimit(pos, '5x', 'rlimit-data'))).toBe(
      'rlimit-data: bad value.',
    );
    expect(messageOf(() => values.parseRlimit(pos, '', 'rlimit-data'))).toBe(
      'rlimit-data: bad value.',
    );
  });
});

describe('signals', () => {
  it("maps names to this platform's numbers and none to 0", () => {
    expect(values.signalNumber('TERM')).toBe(os.constants.signals.SIGTERM);
    expect(values.signalNumber('USR1')).toBe(os.constants.signals.SIGUSR1);
    expect(values.signalNumber('none')).toBe(0);
    expect(values.signalNumber('NONE')).toBe(0);
  });

  it('accepts only the names upstream lists, without SIG prefix', () => {
    expect(values.signalNumber('SIGTERM')).toBeUndefined();
    expect(values.signalNumber('PIPE')).toBeUndefined();
  });
});
