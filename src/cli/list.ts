// dinitctl list: one line per loaded service with its state markers; the dinit-ts extensions
// --all (installed services that are not loaded, from the daemon's service directories),
// --stats (the figures of running services) and --json.

import type { CommandContext } from './command';
import { listLine } from './format';
import { jsonText, serviceJson, unloadedJson } from './json';
import { measureStats, runningPid, statsSuffix } from './stats';

/** The services installed in `dirs` whose names are not in `loaded`, sorted by name. */
export function installedServices(dirs: readonly string[], loaded: ReadonlySet<string>): string[] {
  // Loaded for --all only, with what completion reads.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { servicesIn } = require('./complete') as typeof import('./complete');
  const names = new Set(dirs.flatMap(servicesIn));
  return [...names].filter((n) => !loaded.has(n)).sort();
}

/** Run list; resolves with the exit code. */
export async function listCommand(ctx: CommandContext): Promise<number> {
  const port = await ctx.connect();
  const services = await port.listServices();
  const { cl } = ctx;
  const stats = cl.stats ? await measureStats(services.map((s) => s.status)) : new Map();
  const statsOf = (st: (typeof services)[0]['status']) => stats.get(runningPid(st) ?? -1);
  const unloaded = cl.all
    ? installedServices(await port.serviceDirs(), new Set(services.map((s) => s.name)))
    : [];
  // Output does not depend on --quiet, as upstream.
  if (cl.json) {
    ctx.out(
      jsonText([
        ...services.map((s) => serviceJson(s.name, s.status, statsOf(s.status))),
        ...unloaded.map(unloadedJson),
      ]),
    );
    return 0;
  }
  let text = '';
  for (const s of services) {
    const line = listLine(s.name, s.status);
    const figures = statsOf(s.status);
    text += figures === undefined ? line : line.slice(0, -1) + statsSuffix(figures) + '\n';
  }
  for (const name of unloaded) text += `[        ] ${name} (not loaded)\n`;
  ctx.out(text);
  return 0;
}
