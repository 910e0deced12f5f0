// The shared rules below the programs: the client's default control socket and the C library's
// error messages.

import { constants } from 'node:os';
import { clientSocketPath, instanceSocketPath } from '../../../src/config/socket-path';
import { errnoText, strerror, strerrorCode } from '../../../src/strerror';

describe('default control socket', () => {
  it('prefers $DINIT_SOCKET_PATH, for the user and the system daemon', () => {
    const env = { DINIT_SOCKET_PATH: '/x/s', XDG_RUNTIME_DIR: '/r', HOME: '/h' };
    expect(clientSocketPath(true, env)).toBe('/x/s');
    expect(clientSocketPath(false, env)).toBe('/x/s');
  });

  it('uses $XDG_RUNTIME_DIR/dinitctl, else $HOME/.dinitctl, for a user daemon', () => {
    expect(clientSocketPath(true, { XDG_RUNTIME_DIR: '/r', HOME: '/h' })).toBe('/r/dinitctl');
    expect(clientSocketPath(true, { HOME: '/h' })).toBe('/h/.dinitctl');
    expect(clientSocketPath(false, { HOME: '/h' })).toBe('/run/dinitctl');
  });

  it('asks the password database only when HOME is unset, and may find nothing', () => {
    const never = () => {
      throw new Error('not asked');
    };
    expect(instanceSocketPath(true, { HOME: '/h' }, never)).toBe('/h/.dinitctl');
    expect(instanceSocketPath(true, {}, () => '/p')).toBe('/p/.dinitctl');
    expect(instanceSocketPath(true, {}, () => undefined)).toBeUndefined();
  });
});

describe('strerror', () => {
  it('words errno names and numbers as the C library does', () => {
    expect(strerrorCode('ENOENT')).toBe('No such file or directory');
    expect(strerrorCode('EWHATEVER')).toBe('EWHATEVER');
    expect(strerrorCode(undefined)).toBe('Unknown error');
    expect(errnoText({ code: 'EACCES' })).toBe('Permission denied');
    expect(strerror(constants.errno.ENOENT, constants.errno)).toBe('No such file or directory');
    expect(strerror(0, constants.errno)).toBe('Success');
    expect(strerror(99999, constants.errno)).toBe('Unknown error 99999');
  });
});
