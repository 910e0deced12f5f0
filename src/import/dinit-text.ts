// Writing Dinit description text: a word of a command line quoted so that Dinit reads it back
// as exactly one word, '$' kept literal where Dinit would substitute, and the file assembled
// with the comment that says where it came from.

/** `text` with every '$' doubled, so Dinit's variable substitution leaves it as written. */
export function literalDollars(text: string): string {
  return text.replace(/\$/g, '$$$$');
}

/**
 * A command-line word (already in Dinit's substitution syntax) as Dinit reads one word: bare
 * when it can be, else in double quotes with '\' and '"' escaped (blanks, '#', quotes and
 * backslashes would otherwise split it, start a comment or be taken as escapes).
 */
export function dinitWord(word: string): string {
  if (word !== '' && !/[\s"\\#']/.test(word)) return word;
  return '"' + word.replace(/[\\"]/g, (m) => '\\' + m) + '"';
}

/**
 * A value for a setting that takes the rest of the line (paths, names): refused when Dinit
 * could not read it back as written, i.e. when it holds a line break, or a '#' after a blank
 * (a comment there). Returns undefined for such a value.
 */
export function plainValue(value: string): string | undefined {
  if (/[\n\r]/.test(value) || /\s#/.test(value) || /^#/.test(value)) return undefined;
  return value;
}

/** A service description being written: comments and settings, in order. */
export class DescriptionText {
  private readonly lines: string[] = [];

  /** One or more comment lines ('# ' is added). */
  comment(...text: string[]): this {
    for (const t of text) {
      for (const l of t.split('\n')) this.lines.push(l === '' ? '#' : `# ${l}`);
    }
    return this;
  }

  /** A `name = value` line. */
  set(name: string, value: string): this {
    this.lines.push(`${name} = ${value}`);
    return this;
  }

  blank(): this {
    if (this.lines.length > 0 && this.lines[this.lines.length - 1] !== '') this.lines.push('');
    return this;
  }

  toString(): string {
    while (this.lines.length > 0 && this.lines[this.lines.length - 1] === '') this.lines.pop();
    return this.lines.join('\n') + '\n';
  }
}
