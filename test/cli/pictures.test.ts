// The SVG pictures of `dinitctl graph --format svg` and `dinitctl analyze plot`, drawn for the
// demo services on the real daemon, rendered by headless Chromium: each must load as an image
// and paint more than a blank page. The PNGs stay in <tmp>/dinit-ts-pictures to be looked at.
// Without chromium the test skips and says so (.ci/run installs it).

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ROOT, isBuilt, sandboxAll } from '../support/daemon';
import { eventually } from '../support/eventually';

const CHROMIUM = ['chromium', 'chromium-browser'].find(
  (c) => spawnSync('sh', ['-c', `command -v ${c}`]).status === 0,
);
if (CHROMIUM === undefined) {
  process.stderr.write('pictures: SKIPPED: chromium is not installed (apt-get install chromium)\n');
}
const OUT = path.join(os.tmpdir(), 'dinit-ts-pictures');

jest.setTimeout(120000);

/** Width and height from a PNG's IHDR chunk. */
function pngSize(file: string): { width: number; height: number } {
  const b = fs.readFileSync(file);
  expect(b.subarray(1, 4).toString('latin1')).toBe('PNG');
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

/** The image size an SVG document declares. */
function svgSize(svg: string): { width: number; height: number } {
  const m = /<svg [^>]*width="([\d.]+)" height="([\d.]+)"/.exec(svg);
  expect(m).not.toBeNull();
  return { width: Math.ceil(Number(m?.[1])), height: Math.ceil(Number(m?.[2])) };
}

/** Render `svgFile` in headless Chromium to `png`, at the SVG's own size. */
function screenshot(svgFile: string, png: string, dir: string): void {
  const { width, height } = svgSize(fs.readFileSync(svgFile, 'utf8'));
  const profile = fs.mkdtempSync(path.join(dir, 'chromium-'));
  const r = spawnSync(
    CHROMIUM as string,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      `--user-data-dir=${profile}`,
      '--hide-scrollbars',
      `--window-size=${width},${height}`,
      `--screenshot=${png}`,
      `file://${svgFile}`,
    ],
    { encoding: 'utf8', timeout: 90000 },
  );
  expect({ status: r.status, png: fs.existsSync(png) }).toEqual({ status: 0, png: true });
}

(CHROMIUM !== undefined && isBuilt() ? describe : describe.skip)('pictures in a browser', () => {
  const sb = sandboxAll('dinit-pictures-');

  test('graph and plot of the demo render in Chromium at their size', async () => {
    const d = await sb.start([], { servicesDir: path.join(ROOT, 'fixtures/demo/services') });
    await eventually('boot started', () => d.ctl('is-started', 'boot').status === 0);
    fs.mkdirSync(OUT, { recursive: true });
    const pictures = {
      graph: d.ctl('graph', '--format', 'svg').stdout,
      plot: d.ctl('analyze', 'plot').stdout,
    };
    for (const [name, svg] of Object.entries(pictures)) {
      const file = path.join(OUT, `${name}.svg`);
      fs.writeFileSync(file, svg);
      const png = path.join(OUT, `${name}.png`);
      screenshot(file, png, sb.dir);
      expect(pngSize(png)).toEqual(svgSize(svg));
      // A blank page compresses to almost nothing; boxes, lines and text do not.
      expect(fs.statSync(png).size).toBeGreaterThan(4000);
    }
  });
});
