/**
 * Rendering of untrusted text (the agent's rationale, rule fields, reviewer reasons) so that
 * a person sees it and a terminal or a patch parser never interprets it: control and escape
 * characters become visible symbols, and quoted blocks can never form a diff line or a mail
 * separator.
 *
 * @module
 */

import { INVISIBLE_CHARACTERS } from "../../proxy/policy/unicode/mod.ts";

/**
 * Characters a terminal, a mail parser or a bidi renderer could act on (C0 and C1 controls), and
 * the invisible ones a policy rule may not hold (`INVISIBLE_CHARACTERS`: tag characters spell
 * hidden ASCII that a person never sees but a model reading the text does).
 */
const UNSAFE = new RegExp(`[\\u0000-\\u001f\\u007f-\\u009f${INVISIBLE_CHARACTERS}]`, "gu");

function visibleChar(ch: string): string {
  const code = ch.codePointAt(0)!;
  // C0 controls have visible "control picture" symbols (ESC → ␛); DEL → ␡.
  if (code < 0x20) return String.fromCodePoint(0x2400 + code);
  if (code === 0x7f) return "\u2421";
  return `<U+${code.toString(16).toUpperCase().padStart(4, "0")}>`;
}

/**
 * Make every control, escape, bidi and line-break character visible and cap the length.
 * The result is one line that is safe to print on a terminal.
 *
 * @param text untrusted text
 * @param max maximum number of characters kept (before the marker)
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { visibleText } from "./untrusted_text.ts";
 * assert.equal(visibleText("a\x1b[31mb"), "a\u241b[31mb");
 * // What a rule may not hold is shown too: a Hangul filler reads as a plain space.
 * assert.equal(visibleText("read\u3164only"), "read<U+3164>only");
 * ```
 */
export function visibleText(text: string, max = 500): string {
  const cut = [...text];
  const kept = cut.length > max ? cut.slice(0, max).join("") : text;
  const shown = kept.replace(UNSAFE, visibleChar);
  return cut.length > max ? `${shown}… [${cut.length - max} more characters]` : shown;
}

/**
 * Quote untrusted multi-line text for a patch message: each line made visible and prefixed
 * with `> `, so no line can start a diff hunk, a `---` separator or a `From ` mail line.
 *
 * @param text untrusted text (e.g. the agent's rationale)
 * @param max maximum number of characters kept overall
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { quoteUntrusted } from "./untrusted_text.ts";
 * assert.equal(quoteUntrusted("From x\n--- a"), "> From x\n> --- a");
 * ```
 */
export function quoteUntrusted(text: string, max = 2000): string {
  const chars = [...text];
  const kept = chars.length > max ? chars.slice(0, max).join("") : text;
  const lines = kept.replace(/\r\n?/g, "\n").split("\n").map((line) =>
    `> ${line.replace(UNSAFE, visibleChar)}`.trimEnd()
  );
  if (chars.length > max) lines.push(`> … [${chars.length - max} more characters not shown]`);
  return text.trim() === "" ? "> (none)" : lines.join("\n");
}

/**
 * Read back a block written by `quoteUntrusted` (its lines without the `> ` prefix). The text
 * stays in its visible form.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { unquote } from "./untrusted_text.ts";
 * assert.equal(unquote(["> a", ">"]), "a\n");
 * ```
 */
export function unquote(lines: string[]): string {
  return lines.map((l) => l.replace(/^> ?/, "")).join("\n");
}
