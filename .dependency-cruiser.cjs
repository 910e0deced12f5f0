// The layering of dinit-ts as executable rules (`npm run lint` runs them; `npm run deps` draws the
// graph). Layers import downward only:
//   model, errors, strerror, bytes (leaves) <- config <- core <- protocol <- daemon | client <- cli <- commands
// src/stats (the /proc and cgroup figures dinitctl shows) stands beside client, below cli.
// dinit-check, dinit-monitor and dinit-shutdown are programs beside cli; adapters/ implement the
// kernel port of src/core/os.ts and see nothing else of src/.
'use strict';

const LEAF = '^src/(model|errors|strerror|bytes)\\.ts$';

/** A rule forbidding imports from the `from` folder to any of the `to` paths. */
function forbid(name, comment, from, to) {
  return { name, comment, severity: 'error', from: { path: from }, to: { path: to } };
}

module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      comment: 'An import cycle makes load order matter and layers meaningless.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'leaves-import-nothing',
      comment:
        'The shared vocabulary, the error classes, strerror and bytes import nothing at all.',
      severity: 'error',
      from: { path: LEAF },
      to: { pathNot: '^$' },
    },
    forbid(
      'config-is-below-core',
      'config turns files into data; it knows nothing of the manager, the protocol or programs.',
      '^src/config/',
      '^(src/(core|protocol|daemon|client|cli|monitor|shutdown|check|stats)|adapters|commands)/',
    ),
    forbid(
      'core-is-below-protocol',
      'The manager core reaches the world only through its ports.',
      '^src/core/',
      '^(src/(protocol|daemon|client|cli|monitor|shutdown|check|stats)|adapters|commands)/',
    ),
    {
      name: 'core-and-protocol-are-pure',
      comment: 'No node:* module in the core or the protocol codec: they are pure and testable.',
      severity: 'error',
      from: { path: '^src/(core|protocol)/' },
      to: { dependencyTypes: ['core'] },
    },
    forbid(
      'protocol-speaks-the-model-only',
      'The codec encodes the shared vocabulary; it does not depend on the core or config.',
      '^src/protocol/',
      '^(src/(config|core|daemon|client|cli|monitor|shutdown|check|stats)|adapters|commands)/',
    ),
    forbid(
      'daemon-never-loads-client-code',
      'The daemon never imports the client, the CLI or the other programs.',
      '^src/daemon/',
      '^(src/(client|cli|monitor|shutdown|check|stats)|commands)/',
    ),
    forbid(
      'client-is-protocol-only',
      'The control client (dinitctl, dinit-monitor) never loads the core or the daemon.',
      '^src/client/',
      '^(src/(core|daemon|cli|monitor|shutdown|check|stats)|adapters|commands)/',
    ),
    forbid(
      'stats-reads-the-system-only',
      'src/stats reads /proc and the cgroup files; it knows nothing of the protocol or the manager.',
      '^src/stats/',
      '^(src/(config|core|protocol|daemon|client|cli|monitor|shutdown|check)|adapters|commands)/',
    ),
    forbid(
      'import-converts-text-only',
      'src/import turns systemd units and PM2 apps into description text: pure, no files, no processes.',
      '^src/import/',
      '^(src/(config|core|protocol|daemon|client|cli|monitor|shutdown|check|stats)|adapters|commands)/',
    ),
    {
      name: 'import-is-pure',
      comment: 'No node:* module in src/import: dinitctl import reads and writes the files.',
      severity: 'error',
      from: { path: '^src/import/' },
      to: { dependencyTypes: ['core'] },
    },
    forbid(
      'cli-never-loads-the-manager',
      'dinitctl never imports the core, the daemon or the adapters.',
      '^(src/cli|commands)/',
      '^(src/(core|daemon|monitor|shutdown|check)|adapters)/',
    ),
    forbid(
      'cli-is-below-commands',
      'src/cli is the machinery; commands/ are the verbs built on it.',
      '^src/cli/',
      '^commands/',
    ),
    forbid(
      'programs-stand-beside-cli',
      'dinit-check, dinit-monitor and dinit-shutdown share code through the layers below cli.',
      '^src/(monitor|shutdown|check)/',
      '^(src/(cli|daemon)/|commands/|adapters/(?!index\\.ts$))',
    ),
    {
      name: 'programs-stand-apart',
      comment: 'One program never imports another program; what they share lives below them.',
      severity: 'error',
      from: { path: '^src/(monitor|shutdown|check)/' },
      to: { path: '^src/(monitor|shutdown|check)/', pathNot: '^src/$1/' },
    },
    {
      name: 'platforms-are-picked-in-one-place',
      comment:
        'Only the daemon and dinit-shutdown reach adapters/, and only through adapters/index.ts.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(daemon|shutdown)/' },
      to: { path: '^adapters/' },
    },
    {
      name: 'adapters-through-their-index',
      comment: 'adapters/index.ts is the one place that picks an adapter by platform.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^adapters/', pathNot: '^adapters/index\\.ts$' },
    },
    {
      name: 'adapters-see-the-kernel-port-only',
      comment: 'adapters/ implement src/core/os.ts and use the leaves; nothing else of src/.',
      severity: 'error',
      from: { path: '^adapters/' },
      to: { path: '^src/', pathNot: ['^src/core/os\\.ts$', LEAF] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules|test|bench|fixtures|scripts)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.json'] },
    reporterOptions: {
      archi: { collapsePattern: '^(src/[^/]+|adapters/[^/]+|commands)/' },
      text: { highlightFocused: true },
    },
  },
};
