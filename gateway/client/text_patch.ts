/**
 * A policy text as the change from the text before it (pure but for the digest): what a
 * gateway's `policy.updated` push carries instead of a large text, so that an approval into a
 * 10,000-rule policy sends each proxy the lines it added, not the megabyte around them (which
 * every proxy read, decoded and parsed as JSON on its event loop, for each approval). The
 * receiver rebuilds the text from the one it holds and keeps it only when its SHA-256 is the one
 * announced; otherwise it fetches the whole text.
 *
 * @module
 */

/**
 * The new text as edits of the old one, with its length and SHA-256 (hex). Each edit keeps
 * `keep` units of the old text, drops `drop`, then inserts `insert`; the rest of the old text
 * follows the last edit.
 */
export interface TextPatch {
  /** `[keep, drop, insert]` in order, over UTF-16 units. */
  edits: [number, number, string][];
  /** The new text's length (UTF-16 units). */
  length: number;
  /** SHA-256 (hex) of the new text's UTF-8 bytes. */
  sha256: string;
}

/** Edits a patch holds at most: an approval makes two (the revision line, the rule's lines). */
const MAX_EDITS = 16;

/** Units two texts must agree on after a changed line for the change to be taken as one line. */
const RESYNC = 256;

/**
 * The patch that makes `after` from `before` (`sha256` is `after`'s digest, computed by the
 * caller). Changed lines (the revision) are edits of their own; anything else ends the walk,
 * with one edit up to the texts' common end.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { textPatch } from "./text_patch.ts";
 * const before = "revision: 1\n" + "a\n".repeat(200) + "c\n";
 * const after = "revision: 2\n" + "a\n".repeat(200) + "b\nc\n";
 * assert.deepEqual(textPatch(before, after, "").edits, [[10, 2, "2\n"], [400, 0, "b\n"]]);
 * ```
 */
export function textPatch(before: string, after: string, sha256: string): TextPatch {
  const edits: [number, number, string][] = [];
  let i = 0;
  let j = 0;
  while (i < before.length || j < after.length) {
    const keep = common(before, i, after, j);
    i += keep;
    j += keep;
    if (i === before.length && j === after.length) break;
    const [endB, endA] = [lineEnd(before, i), lineEnd(after, j)];
    const agree = common(before, endB, after, endA);
    const whole = endB + agree === before.length && endA + agree === after.length;
    if (edits.length < MAX_EDITS - 1 && (agree >= RESYNC || whole)) {
      edits.push([keep, endB - i, after.slice(j, endA)]);
      [i, j] = [endB, endA];
      continue;
    }
    // Up to the common end: what is left of the old text after it is the new text's end.
    const tail = commonEnd(before, after, Math.min(before.length - i, after.length - j));
    edits.push([keep, before.length - tail - i, after.slice(j, after.length - tail)]);
    break;
  }
  return { edits, length: after.length, sha256 };
}

/** Length of the common run of `a` from `i` and `b` from `j`. */
function common(a: string, i: number, b: string, j: number): number {
  const most = Math.min(a.length - i, b.length - j);
  let n = 0;
  // Chunks compared as strings (natively) first: a char loop over a megabyte took 10-40 ms.
  for (const step of CHUNKS) {
    while (n + step <= most && a.slice(i + n, i + n + step) === b.slice(j + n, j + n + step)) {
      n += step;
    }
  }
  return n;
}

/** Length of the common end of `a` and `b`, at most `most`. */
function commonEnd(a: string, b: string, most: number): number {
  let n = 0;
  for (const step of CHUNKS) {
    while (
      n + step <= most &&
      a.slice(a.length - n - step, a.length - n) === b.slice(b.length - n - step, b.length - n)
    ) {
      n += step;
    }
  }
  return n;
}

const CHUNKS = [4096, 64, 1];

function lineEnd(text: string, at: number): number {
  const end = text.indexOf("\n", at);
  return end < 0 ? text.length : end + 1;
}

/**
 * The text `patch` makes from `held`, or undefined when it is not a well-formed patch or the
 * text it makes is not the one announced (another base: the caller fetches the whole text).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { applyTextPatch, sha256Hex, textPatch } from "./text_patch.ts";
 * const after = "a\nb\nx\nc\n";
 * const patch = textPatch("a\nb\nc\n", after, await sha256Hex(after));
 * assert.equal(await applyTextPatch("a\nb\nc\n", patch), after);
 * assert.equal(await applyTextPatch("a\nB\nc\n", patch), undefined); // another base
 * ```
 */
export async function applyTextPatch(held: string, patch: unknown): Promise<string | undefined> {
  return (await applyTextPatchUtf8(held, patch))?.text;
}

/**
 * {@linkcode applyTextPatch}, with the text's UTF-8 bytes (encoded for its digest): a proxy moves
 * them to its load worker instead of encoding the megabyte a second time.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { applyTextPatchUtf8, sha256Hex, textPatch } from "./text_patch.ts";
 * const patch = textPatch("a\n", "a\nb\n", await sha256Hex("a\nb\n"));
 * const { text, utf8 } = (await applyTextPatchUtf8("a\n", patch))!;
 * assert.equal(new TextDecoder().decode(utf8), text);
 * ```
 */
export async function applyTextPatchUtf8(
  held: string,
  patch: unknown,
): Promise<{ text: string; utf8: Uint8Array<ArrayBuffer> } | undefined> {
  if (!isTextPatch(patch) || patch.edits.length > MAX_EDITS) return undefined;
  const parts: string[] = [];
  let at = 0;
  for (const [keep, drop, insert] of patch.edits) {
    if (at + keep + drop > held.length) return undefined;
    parts.push(held.slice(at, at + keep), insert);
    at += keep + drop;
  }
  parts.push(held.slice(at));
  const text = parts.join("");
  if (text.length !== patch.length) return undefined;
  const utf8 = new TextEncoder().encode(text);
  return await digestHex(utf8) === patch.sha256 ? { text, utf8 } : undefined;
}

/**
 * SHA-256 (hex) of `text`'s UTF-8 bytes, digested off the event loop (`crypto.subtle`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sha256Hex } from "./text_patch.ts";
 * assert.equal((await sha256Hex("")).slice(0, 8), "e3b0c442");
 * ```
 */
export function sha256Hex(text: string): Promise<string> {
  return digestHex(new TextEncoder().encode(text));
}

async function digestHex(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

function isTextPatch(value: unknown): value is TextPatch {
  const p = value as Partial<TextPatch> | null;
  const count = (n: unknown) => Number.isSafeInteger(n) && (n as number) >= 0;
  const edit = (e: unknown) =>
    Array.isArray(e) && e.length === 3 && count(e[0]) && count(e[1]) && typeof e[2] === "string";
  return typeof p === "object" && p !== null && Array.isArray(p.edits) && p.edits.every(edit) &&
    count(p.length) && typeof p.sha256 === "string";
}
