// The systemd unit file syntax (systemd.syntax(7)): sections, Key=Value lines in order with
// every repetition kept, '#' and ';' comment lines, and backslash line continuations.

/** One assignment, in file order. */
export interface UnitEntry {
  section: string;
  key: string;
  /** The value with surrounding blanks removed and continuations joined by a space. */
  value: string;
  /** Line of the key (1-based). */
  line: number;
}

/** A line the reader could not make sense of. */
export interface UnitSyntaxProblem {
  line: number;
  message: string;
}

/** A unit file read into its assignments. */
export interface UnitFile {
  entries: UnitEntry[];
  problems: UnitSyntaxProblem[];
}

/** True for a comment line: its first non-blank character is '#' or ';'. */
function isComment(trimmed: string): boolean {
  return trimmed.startsWith('#') || trimmed.startsWith(';');
}

/**
 * Read the text of a unit file. Repeated keys are all kept (ExecStartPre=, Environment= add up
 * in systemd; an empty value resets the list, which the converter applies). A line ending in a
 * backslash goes on on the next line; comment lines inside a continuation are skipped, as
 * systemd does. Never throws; lines it cannot read are returned as problems.
 */
export function readUnitFile(text: string): UnitFile {
  const lines = text.split(/\r?\n/);
  const entries: UnitEntry[] = [];
  const problems: UnitSyntaxProblem[] = [];
  let section = '';
  for (let i = 0; i < lines.length; i++) {
    const first = i + 1;
    let logical = lines[i].trim();
    if (logical === '' || isComment(logical)) continue;
    // Join continuation lines: the backslash and the line break become one space.
    let continued = logical.endsWith('\\');
    if (continued) logical = logical.slice(0, -1);
    while (continued && i + 1 < lines.length) {
      const next = lines[++i].trim();
      if (isComment(next)) continue;
      continued = next.endsWith('\\');
      logical = `${logical} ${continued ? next.slice(0, -1) : next}`;
    }
    if (logical.startsWith('[')) {
      if (!logical.endsWith(']')) problems.push({ line: first, message: 'bad section header' });
      else section = logical.slice(1, -1);
      continue;
    }
    const eq = logical.indexOf('=');
    if (eq <= 0) {
      problems.push({ line: first, message: `not an assignment: ${logical}` });
      continue;
    }
    if (section === '') {
      problems.push({ line: first, message: 'assignment before the first section' });
      continue;
    }
    entries.push({
      section,
      key: logical.slice(0, eq).trim(),
      value: logical.slice(eq + 1).trim(),
      line: first,
    });
  }
  return { entries, problems };
}
