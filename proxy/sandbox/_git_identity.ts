/**
 * The runner's git identity (`user.name`, `user.email`) as `git config --global --get-regexp
 * '^user\.(name|email)$'` reads it with no other variable than `HOME`, read here instead: a
 * git process took 30-70 ms of a loaded machine's confined start.
 *
 * git 2.39 reads one file for `--global`: `~/.gitconfig` when it can be read, else
 * `~/.config/git/config`; it follows no `include` there, and a file it cannot parse yields no
 * identity at all. Each entry keeps its order, and a repeated key each of its values.
 *
 * @module
 */

/**
 * The entries of `user.name` and `user.email` in the runner's global git configuration, in
 * order, as `[name, value]` (`name`, `email`); none when there is no such file or git could
 * not parse it.
 *
 * @param home The runner's `HOME`.
 */
export async function gitIdentity(home: string | undefined): Promise<[string, string][]> {
  if (home === undefined) return [];
  for (const path of [`${home}/.gitconfig`, `${home}/.config/git/config`]) {
    let bytes: Uint8Array;
    try {
      bytes = await Deno.readFile(path);
    } catch (error) {
      // git takes the next file only when this one is missing or unreadable.
      if (error instanceof Deno.errors.NotFound || error instanceof Deno.errors.PermissionDenied) {
        continue;
      }
      if (error instanceof Deno.errors.NotADirectory) continue;
      return [];
    }
    return identityOf(new TextDecoder().decode(bytes));
  }
  return [];
}

/**
 * The `user.name` and `user.email` entries of a git config file's `text`, parsed as git's own
 * parser does (config.c): sections and keys case-insensitive, `[user "sub"]` another section,
 * values trimmed, quoted, escaped (`\\`, `\"`, `\n`, `\t`, `\b`, a line break), `#` and `;`
 * comments; an error anywhere (an unknown escape, an open quote, a bad line) yields none.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { identityOf } from "./_git_identity.ts";
 *
 * assert.deepEqual(identityOf('[User]\n\tName = "Ann  B" ; a comment\n[user "x"]\nemail = y\n'), [
 *   ["name", "Ann  B"],
 * ]);
 * assert.deepEqual(identityOf("[user]\nname = a\\q\n"), []);
 * ```
 */
export function identityOf(text: string): [string, string][] {
  const entries = new GitConfigReader(text).entries();
  if (entries === undefined) return [];
  return entries.flatMap(([key, value]) =>
    (key === "user.name" || key === "user.email") && value !== undefined
      ? [[key.slice("user.".length), value.split("\0")[0]!] as [string, string]]
      : []
  );
}

/** git's config grammar over one file's text, character by character (as config.c reads it). */
class GitConfigReader {
  #text: string;
  #at = 0;
  #eof = false;

  constructor(text: string) {
    this.#text = text;
  }

  /** Each key (section and name, lower-cased) and its value (none: a bare key); undefined: an error. */
  entries(): [string, string | undefined][] | undefined {
    const found: [string, string | undefined][] = [];
    let section = "";
    let comment = false;
    for (;;) {
      const c = this.#next();
      if (c === "\n") {
        if (this.#eof) return found;
        comment = false;
        continue;
      }
      if (comment || isSpace(c)) continue;
      if (c === "#" || c === ";") {
        comment = true;
        continue;
      }
      if (c === "[") {
        const name = this.#section();
        if (name === undefined || name === "") return undefined;
        section = name;
        continue;
      }
      if (!/^[A-Za-z]$/.test(c)) return undefined;
      const entry = this.#entry(c);
      if (entry === undefined) return undefined;
      found.push([`${section}.${entry[0]}`, entry[1]]);
    }
  }

  /** The next character, a CRLF as one line break; a line break at the end. */
  #next(): string {
    if (this.#at >= this.#text.length) {
      this.#eof = true;
      return "\n";
    }
    const c = this.#text[this.#at++]!;
    if (c === "\r" && this.#text[this.#at] === "\n") {
      this.#at++;
      return "\n";
    }
    return c;
  }

  /** A section header after its `[`: `name` or `name "subsection"` (git's get_base_var). */
  #section(): string | undefined {
    let name = "";
    for (;;) {
      const c = this.#next();
      if (this.#eof) return undefined;
      if (c === "]") return name;
      if (isSpace(c)) return this.#subsection(name, c);
      if (!isKeyChar(c) && c !== ".") return undefined;
      name += c.toLowerCase();
    }
  }

  #subsection(name: string, first: string): string | undefined {
    let c = first;
    do {
      if (c === "\n") return undefined;
      c = this.#next();
    } while (isSpace(c));
    if (c !== '"') return undefined;
    let sub = "";
    for (;;) {
      let d = this.#next();
      if (d === "\n") return undefined;
      if (d === '"') break;
      if (d === "\\") {
        d = this.#next();
        if (d === "\n") return undefined;
      }
      sub += d;
    }
    return this.#next() === "]" ? `${name}.${sub}` : undefined;
  }

  /** A key whose first letter is `first`, and its value (git's get_value). */
  #entry(first: string): [string, string | undefined] | undefined {
    let name = first.toLowerCase();
    let c: string;
    for (;;) {
      c = this.#next();
      if (this.#eof || !isKeyChar(c)) break;
      name += c.toLowerCase();
    }
    while (c === " " || c === "\t") c = this.#next();
    if (c === "\n") return [name, undefined];
    if (c !== "=") return undefined;
    const value = this.#value();
    return value === undefined ? undefined : [name, value];
  }

  /** A value up to its line's end (git's parse_value). */
  #value(): string | undefined {
    let value = "";
    let quote = false;
    let comment = false;
    let space = 0;
    for (;;) {
      let c = this.#next();
      if (c === "\n") return quote ? undefined : value;
      if (comment) continue;
      if (isSpace(c) && !quote) {
        if (value.length > 0) space++;
        continue;
      }
      if (!quote && (c === ";" || c === "#")) {
        comment = true;
        continue;
      }
      value += " ".repeat(space);
      space = 0;
      if (c === "\\") {
        c = this.#next();
        if (c === "\n") continue;
        const escaped = ESCAPES[c];
        if (escaped === undefined) return undefined;
        value += escaped;
        continue;
      }
      if (c === '"') {
        quote = !quote;
        continue;
      }
      value += c;
    }
  }
}

const ESCAPES: Record<string, string> = { t: "\t", b: "\b", n: "\n", "\\": "\\", '"': '"' };

/** git's isspace(): space, tab, line feed, carriage return (sane_ctype). */
function isSpace(c: string): boolean {
  return c === " " || c === "\t" || c === "\n" || c === "\r";
}

function isKeyChar(c: string): boolean {
  return /^[A-Za-z0-9-]$/.test(c);
}
