/**
 * The names an origin reads a query or form key as, and whether a key reads as one of a few
 * named parameters: the one per-key judgement the query rules, the GraphQL form check and the
 * body scanners share.
 *
 * @module
 */

// Rack and qs read a name up to its first bracket, after leading brackets (`[a]`, `a[]`,
// `a[0]`, `a[b]` are all `a`); spaces too, as Rack 2 drops them after a separator.
const BRACKET_NAME = /^[ [\]]*([^[\]]*)/;

/** PHP's reading: cut at NUL, leading spaces dropped, `.` and space as `_`, `a[..]` as `a`. */
function phpName(name: string): string {
  const nul = name.indexOf("\0");
  let text = (nul < 0 ? name : name.slice(0, nul)).replace(/^ +/, "");
  const open = text.indexOf("[");
  if (open >= 0) {
    // An unclosed `[` is read as `_` and the name goes on; a closed one starts an array.
    text = text.indexOf("]", open) > open
      ? text.slice(0, open)
      : `${text.slice(0, open)}_${text.slice(open + 1)}`;
  }
  return text.replace(/[. ]/g, "_");
}

/**
 * Every name (lower-cased) a popular origin reads the decoded query key `name` as: itself,
 * PHP's (`$_GET`), Rack's and qs's (Express), Spring's `!` default; letter case is ignored as
 * ASP.NET ignores it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { namesReadAs } from "./key_names.ts";
 * assert.deepEqual([...namesReadAs(" Force[]")], [" force[]", "force"]);
 * assert.deepEqual([...namesReadAs("per.page")], ["per.page", "per_page"]);
 * ```
 */
export function namesReadAs(name: string): Set<string> {
  const names = new Set([name, phpName(name), BRACKET_NAME.exec(name)![1]!]);
  // Spring's data binder reads `!force` as the default of `force` when `force` is absent.
  if (name.startsWith("!")) names.add(name.slice(1));
  const lower = new Set([...names].map((n) => n.toLowerCase()));
  if (name !== "") lower.delete("");
  return lower;
}

// What a reading may drop before the name: PHP's and Rack's leading spaces and brackets,
// Spring's `!`.
const LEADS = " []!";
// What PHP reads as `_`: itself, `.`, a space, an unclosed `[`.
const UNDERSCORES = "_. [";

/**
 * A few named parameters, and which of them a key reads as under {@linkcode namesReadAs}.
 * A key is read every way only when a name can start where its leading spaces, brackets or
 * `!` end, so a text of many keys costs one cheap test a key (a 64 KiB form body was 120 ms
 * read every way).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { KeyNames } from "./key_names.ts";
 * const names = new KeyNames(["query", "per_page"]);
 * assert.equal(names.readAs(" [Query][]"), "query");
 * assert.equal(names.readAs("per.page"), "per_page");
 * assert.equal(names.readAs("queries"), undefined);
 * assert.ok(names.mayBegin("%") && names.mayBegin("Q") && !names.mayBegin("x"));
 * ```
 */
export class KeyNames {
  readonly #names: ReadonlySet<string>;
  /** What a key's text may start with, decoded or still `%XX`- and `+`-encoded. */
  readonly #firsts: string;
  /**
   * Only a character lower-cased to ASCII can be part of a reading that equals an ASCII name,
   * and no such character's lower case depends on its neighbours: a lower-cased key holds every
   * such reading at its start, spelled the same. Other names get no quick test.
   */
  readonly #quick: boolean;
  /** Whether a lower-cased key may read as a name, made when a key first needs it. */
  #leads: RegExp | undefined;

  /**
   * Names to judge keys against.
   *
   * @param names The parameters' names (any letter case).
   */
  constructor(names: readonly string[]) {
    const lower = new Set<string>();
    let firsts = `${LEADS}%+`;
    for (const name of names) {
      const low = name.toLowerCase();
      lower.add(low);
      firsts += low.startsWith("_") ? UNDERSCORES : low[0] ?? "";
    }
    this.#names = lower;
    this.#firsts = firsts;
    this.#quick = names.every((name) => /^[ -~]+$/.test(name));
  }

  /**
   * Whether a key whose text starts with `char` (decoded, or still urlencoded) may read as one
   * of the names: a test before decoding it.
   */
  mayBegin(char: string): boolean {
    return !this.#quick || this.#firsts.includes(char.toLowerCase());
  }

  /** The first name (lower-cased) the decoded key reads as, or undefined. */
  readAs(key: string): string | undefined {
    if (!this.#mayRead(key)) return undefined;
    for (const name of namesReadAs(key)) if (this.#names.has(name)) return name;
    return undefined;
  }

  /** Whether a name starts where some run of the key's leading spaces, brackets or `!` ends. */
  #mayRead(key: string): boolean {
    if (!this.#quick) return true;
    // Most keys fail on their first character, before the whole key is lower-cased.
    if (key === "" || !this.#firsts.includes(key[0]!.toLowerCase())) return false;
    const lower = key.toLowerCase();
    // A key spelled as a name needs no pattern: most keys a name is asked of are.
    if (this.#names.has(lower)) return true;
    this.#leads ??= new RegExp(`^[ [\\]!]*(?:${[...this.#names].map(spelling).join("|")})`);
    return this.#leads.test(lower);
  }
}

/** A lower-cased ASCII name as a pattern: `_` stands for any of PHP's underscores. */
function spelling(name: string): string {
  return name.replace(/[\\^$.*+?()[\]{}|\/-]/g, "\\$&").replaceAll("_", "[_. []");
}
