// Path arithmetic for the converters, without node:path (src/import stays pure): joining a
// relative path onto a directory, and the last part of a path.

/** `p` resolved against the absolute directory `dir`, with '.' and '..' parts removed. */
export function resolveIn(dir: string, p: string): string {
  const parts: string[] = [];
  for (const part of (p.startsWith('/') ? p : `${dir}/${p}`).split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return `/${parts.join('/')}`;
}

/** The last part of a path (after the last '/'). */
export function baseName(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}
