/**
 * The one list of characters that change how text is shown without being seen. The policy
 * checker refuses them in a rule; the gateway shows them as `<U+XXXX>` wherever a person reads
 * untrusted text (`gateway/text`): both read this list, so what a reviewer is shown can never
 * hide what a rule holds.
 *
 * @module
 */

/**
 * Bidi embeddings, overrides, isolates and marks, zero-width spaces and joiners, word joiners
 * and invisible operators, the byte-order mark, line and paragraph separators, soft hyphen,
 * the combining grapheme joiner, Hangul fillers, Khmer and Mongolian invisible vowels and
 * separators, interlinear annotations, shorthand and musical format controls, variation
 * selectors and tag characters (U+E0000-U+E007F, which spell hidden ASCII and show as
 * nothing). In a rule they make a reviewer read something else than what is enforced ("Trojan
 * Source", CVE-2021-42574). The body of a character class, for a regular expression with the
 * `u` flag.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { INVISIBLE_CHARACTERS } from "./invisible_characters.ts";
 * const invisible = new RegExp(`[${INVISIBLE_CHARACTERS}]`, "u");
 * assert(invisible.test("read\u3164only") && invisible.test("\u{e0041}") && !invisible.test("ok"));
 * ```
 */
export const INVISIBLE_CHARACTERS: string = "\\u00ad\\u034f\\u061c\\u115f\\u1160\\u17b4\\u17b5" +
  "\\u180e\\u200b-\\u200f\\u2028-\\u202e\\u2060-\\u206f\\u3164\\ufe00-\\ufe0f\\ufeff\\uffa0" +
  "\\ufff9-\\ufffb\\u{1bca0}-\\u{1bca3}\\u{1d173}-\\u{1d17a}\\u{e0000}-\\u{e007f}" +
  "\\u{e0100}-\\u{e01ef}";

const INVISIBLE = new RegExp(`[${INVISIBLE_CHARACTERS}]`, "u");

/**
 * The first invisible or bidi character of `text` as `U+XXXX`, if any.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { invisibleCharacter } from "./invisible_characters.ts";
 * assert.equal(invisibleCharacter("api\u200b.github.com"), "U+200B");
 * assert.equal(invisibleCharacter("api.github.com"), undefined);
 * ```
 */
export function invisibleCharacter(text: string): string | undefined {
  const found = INVISIBLE.exec(text)?.[0];
  if (found === undefined) return undefined;
  return `U+${found.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;
}
