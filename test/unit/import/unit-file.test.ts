// The unit file reader keeps what systemd's syntax means and the ini format does not: repeated
// keys in order, backslash continuations, comment lines only at the start of a line.

import { readUnitFile } from '../../../src/import/unit-file';

describe('readUnitFile', () => {
  it('keeps every repetition of a key, in order, with its line', () => {
    const u = readUnitFile('[Service]\nExecStartPre=/bin/a\nExecStartPre=/bin/b\n');
    expect(u.entries).toEqual([
      { section: 'Service', key: 'ExecStartPre', value: '/bin/a', line: 2 },
      { section: 'Service', key: 'ExecStartPre', value: '/bin/b', line: 3 },
    ]);
    expect(u.problems).toEqual([]);
  });

  it('joins a backslash continuation with a blank, skipping comment lines inside it', () => {
    const u = readUnitFile('[Service]\nEnvironment=A=1 \\\n# a comment\n  B=2\nUser=x\n');
    expect(u.entries.map((e) => [e.key, e.value, e.line])).toEqual([
      ['Environment', 'A=1  B=2', 2],
      ['User', 'x', 5],
    ]);
  });

  it("keeps '#' and ';' inside a value; only whole lines are comments", () => {
    const u = readUnitFile("[Service]\n; comment\n  # comment\nExecStart=/bin/sh -c 'a; b # c'\n");
    expect(u.entries).toEqual([
      { section: 'Service', key: 'ExecStart', value: "/bin/sh -c 'a; b # c'", line: 4 },
    ]);
  });

  it('reports lines it cannot read instead of dropping them', () => {
    const u = readUnitFile('Early=1\n[Service]\nno equals sign\n[Broken\n');
    expect(u.problems).toEqual([
      { line: 1, message: 'assignment before the first section' },
      { line: 3, message: 'not an assignment: no equals sign' },
      { line: 4, message: 'bad section header' },
    ]);
  });
});
