// Running a fuzz property: a short run in the suite, a long one under `npm run fuzz` (which sets
// DINIT_FUZZ_MS), and every input that ever failed kept in test/fixtures/fuzz-regressions/.

import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';

const REGRESSIONS = path.resolve(__dirname, '../fixtures/fuzz-regressions');

/** The inputs kept for one property (one file each, raw bytes). */
export function regressionCases(kind: string): { name: string; bytes: Buffer }[] {
  const dir = path.join(REGRESSIONS, kind);
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.bin'))
    .sort()
    .map((name) => ({ name, bytes: fs.readFileSync(path.join(dir, name)) }));
}

/** Keeps a failing input, named by its hash, so that every later run checks it. */
function saveRegression(kind: string, bytes: Buffer): string {
  const dir = path.join(REGRESSIONS, kind);
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(
    dir,
    `${createHash('sha256').update(bytes).digest('hex').slice(0, 16)}.bin`,
  );
  fs.writeFileSync(file, bytes);
  return file;
}

/** Runs check on arbitrary inputs: 300 in the suite, or for DINIT_FUZZ_MS under npm run fuzz. */
export function fuzz(kind: string, arb: fc.Arbitrary<Buffer>, check: (b: Buffer) => void): void {
  const ms = Number(process.env.DINIT_FUZZ_MS ?? 0);
  const params: fc.Parameters<[Buffer]> =
    ms > 0
      ? {
          numRuns: Number.MAX_SAFE_INTEGER,
          interruptAfterTimeLimit: ms,
          markInterruptAsFailure: false,
        }
      : { numRuns: 300 };
  const out = fc.check(
    fc.property(arb, (b) => check(b)),
    params,
  );
  if (out.failed && out.counterexample) {
    const file = saveRegression(kind, out.counterexample[0]);
    const why = String(out.errorInstance);
    throw new Error(`${fc.defaultReportMessage(out)}\n${why}\nkept as ${file}`);
  }
  if (ms > 0) process.stdout.write(`fuzz ${kind}: ${out.numRuns} inputs, no failure\n`);
}

/** Bytes biased towards what a parser meets: tokens, separators, and arbitrary bytes. */
export function bytesFrom(tokens: readonly string[], maxParts = 40): fc.Arbitrary<Buffer> {
  const part = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...tokens).map((t) => Buffer.from(t, 'latin1')) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 6 }).map((a) => Buffer.from(a)) },
  );
  return fc.array(part, { maxLength: maxParts }).map((parts) => Buffer.concat(parts));
}
