// The daemon's wording for services named on its command line that fail to load.

import { loadFailureMessage } from '../../../src/daemon/daemon';

describe('loadFailureMessage', () => {
  it('reports a missing description as upstream does', () => {
    expect(loadFailureMessage({ kind: 'not-found', name: 'boot' })).toBe(
      'boot: could not find service description.',
    );
  });

  it('names file, line and setting of a description error', () => {
    expect(
      loadFailureMessage({
        kind: 'description',
        name: 'web',
        message: 'bad value',
        file: 'sd/web',
        line: 3,
        setting: 'type',
      }),
    ).toBe(
      "Error in service description for 'web': setting 'type' (file sd/web, line 3): bad value",
    );
    expect(
      loadFailureMessage({
        kind: 'description',
        name: 'web',
        message: 'oops',
        file: 'sd/web',
        line: 7,
      }),
    ).toBe("Error in service description for 'web' (file sd/web, line 7): oops");
    expect(
      loadFailureMessage({
        kind: 'description',
        name: 'web',
        message: 'missing',
        setting: 'command',
      }),
    ).toBe("Error in service description for 'web' setting 'command': missing");
  });

  it('reports other load errors as "error loading"', () => {
    expect(
      loadFailureMessage({ kind: 'load', name: 'a', message: 'could not load dependency.' }),
    ).toBe('a: error loading: could not load dependency.');
  });
});
