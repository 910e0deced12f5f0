// User and group lookup by reading /etc/passwd and /etc/group directly (no native calls).
// Used for run-as, socket-uid/gid, logfile-uid/gid and export-passwd-vars.

import * as fs from 'node:fs';

export interface UserEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
  shell: string;
}

export interface GroupEntry {
  name: string;
  gid: number;
}

/** The user/group database the loader consults; tests substitute their own. */
export interface UserDb {
  userByName(name: string): UserEntry | undefined;
  userById(uid: number): UserEntry | undefined;
  groupByName(name: string): GroupEntry | undefined;
}

function readLines(path: string): string[] {
  try {
    return fs.readFileSync(path, 'latin1').split('\n');
  } catch {
    return [];
  }
}

/** Parse passwd(5) text into entries; malformed lines are skipped. */
export function parsePasswd(text: string): UserEntry[] {
  const out: UserEntry[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const f = line.split(':');
    if (f.length < 7) continue;
    const uid = Number(f[2]);
    const gid = Number(f[3]);
    if (!/^\d+$/.test(f[2]) || !/^\d+$/.test(f[3])) continue;
    out.push({ name: f[0], uid, gid, home: f[5], shell: f[6] });
  }
  return out;
}

/** Parse group(5) text into entries; malformed lines are skipped. */
export function parseGroup(text: string): GroupEntry[] {
  const out: GroupEntry[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const f = line.split(':');
    if (f.length < 3 || !/^\d+$/.test(f[2])) continue;
    out.push({ name: f[0], gid: Number(f[2]) });
  }
  return out;
}

/** A UserDb over the given passwd and group files (read on each lookup, so edits are seen). */
export function fileUserDb(passwdPath = '/etc/passwd', groupPath = '/etc/group'): UserDb {
  const users = (): UserEntry[] => parsePasswd(readLines(passwdPath).join('\n'));
  const groups = (): GroupEntry[] => parseGroup(readLines(groupPath).join('\n'));
  return {
    userByName: (name) => users().find((u) => u.name === name),
    userById: (uid) => users().find((u) => u.uid === uid),
    groupByName: (name) => groups().find((g) => g.name === name),
  };
}

/**
 * The UserDb over /etc/passwd and /etc/group, made once: every description load takes it
 * (it reads the files at each lookup, so sharing it changes nothing but the closures made).
 */
let systemDb: UserDb | undefined;
export function systemUserDb(): UserDb {
  return (systemDb ??= fileUserDb());
}

/** Look up a uid in /etc/passwd. */
export function lookupUserById(uid: number): UserEntry | undefined {
  return systemUserDb().userById(uid);
}
