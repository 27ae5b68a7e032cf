/**
 * The fastest parse of policy text: block mappings and sequences of plain words, integers and
 * simply quoted strings, line by line, which is the shape of every policy Tollgate and
 * `yaml.stringify` write. Anything else (flow collections but `{}` and `[]`, escapes, anchors,
 * block scalars, multi-line scalars, numbers but plain decimal integers, odd indentation,
 * duplicate keys) is refused, and `fastYamlValue` hands the text to `js-yaml`: what this parse
 * takes means what `yaml` reads there (`fast_yaml_test.ts` checks a corpus). On a 10,000-rule
 * policy it takes a fraction of js-yaml's time, the largest part of loading it.
 *
 * @module
 */

interface Line {
  indent: number;
  /** The line after its indentation, without a trailing comment or spaces. */
  text: string;
}

/** Thrown (and caught inside) when the text leaves the subset. */
const REFUSED = Symbol("refused");

/**
 * The value of a block-style YAML mapping, or undefined when the text is outside the subset.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { blockYamlValue } from "./_block_yaml.ts";
 * const text = "a:\n  - b: 1\n    c: 'x y'\nd: {}\n";
 * assert.deepEqual(blockYamlValue(text), { a: [{ b: 1, c: "x y" }], d: {} });
 * assert.equal(blockYamlValue("a: [1, 2]\n"), undefined);
 * ```
 */
export function blockYamlValue(text: string): Record<string, unknown> | undefined {
  // Printable ASCII and LF only: no tabs, CR, BOM, control or non-ASCII characters to weigh.
  if (/[^\x20-\x7e\n]/.test(text)) return undefined;
  try {
    const lines = contentLines(text);
    if (lines.length === 0 || lines[0]!.indent !== 0) return undefined;
    const [value, next] = node(lines, 0, 0);
    if (next !== lines.length || !isMapping(value)) return undefined;
    return value;
  } catch (error) {
    if (error === REFUSED) return undefined;
    throw error;
  }
}

function refuse(): never {
  throw REFUSED;
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function contentLines(text: string): Line[] {
  const out: Line[] = [];
  for (let start = 0; start < text.length;) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = text.length;
    let at = start;
    while (text.charCodeAt(at) === SPACE) at++;
    const indent = at - start;
    start = end + 1;
    if (at === end || text.charCodeAt(at) === HASH) continue;
    let body = text.slice(at, end);
    const hash = body.indexOf(" #");
    if (hash >= 0) {
      // A quote before the comment could hold the " #": leave such lines to js-yaml.
      if (/["']/.test(body.slice(0, hash))) refuse();
      body = body.slice(0, hash);
    }
    out.push({ indent, text: body.charCodeAt(body.length - 1) === SPACE ? body.trimEnd() : body });
  }
  return out;
}

/** The block node whose first line is `lines[i]`, at `indent`; returns it and the next index. */
function node(lines: Line[], i: number, indent: number): [unknown, number] {
  return isItem(lines[i]!.text) ? sequence(lines, i, indent) : mapping(lines, i, indent);
}

function isItem(text: string): boolean {
  return text === "-" || text.startsWith("- ");
}

function sequence(lines: Line[], i: number, indent: number): [unknown[], number] {
  const out: unknown[] = [];
  while (i < lines.length && lines[i]!.indent === indent && isItem(lines[i]!.text)) {
    const { text } = lines[i]!;
    let at = 1;
    while (text.charCodeAt(at) === SPACE) at++;
    const rest = text.slice(at);
    if (rest === "" || isItem(rest)) refuse();
    if (keyEnd(rest) >= 0) {
      // `- key: value`: a mapping whose keys line up with this first one.
      lines[i] = { indent: indent + at, text: rest };
      const [value, next] = mapping(lines, i, indent + at);
      out.push(value);
      i = next;
    } else {
      out.push(scalar(rest));
      i = after(lines, i + 1, indent);
    }
  }
  return [out, after(lines, i, indent)];
}

function mapping(lines: Line[], i: number, indent: number): [Record<string, unknown>, number] {
  const out: Record<string, unknown> = {};
  while (i < lines.length && lines[i]!.indent === indent && !isItem(lines[i]!.text)) {
    const { text } = lines[i]!;
    const end = keyEnd(text);
    if (end < 0) refuse();
    const key = scalar(text.slice(0, end));
    if (typeof key !== "string" || key === "__proto__" || Object.hasOwn(out, key)) refuse();
    const rest = text.slice(end + 1).trimStart();
    const nested = lines[i + 1];
    if (rest !== "") {
      out[key] = scalar(rest);
      i = after(lines, i + 1, indent);
    } else if (
      nested && (nested.indent > indent || (nested.indent === indent && isItem(nested.text)))
    ) {
      const [value, next] = node(lines, i + 1, nested.indent);
      out[key] = value;
      i = next;
    } else {
      out[key] = null;
      i++;
    }
  }
  return [out, after(lines, i, indent)];
}

/** `i` when the block at `indent` may end there: a deeper line would be a multi-line scalar. */
function after(lines: Line[], i: number, indent: number): number {
  if (i < lines.length && lines[i]!.indent > indent) refuse();
  return i;
}

/** Where a `key:` ends (the colon's index), or -1 when the line is not a mapping entry. */
function keyEnd(text: string): number {
  const first = text.charCodeAt(0);
  if (first === QUOTE || first === APOSTROPHE) {
    const close = text.indexOf(text[0]!, 1);
    if (close < 0) refuse();
    if (text.charCodeAt(close + 1) !== COLON) return -1;
    return close + 2 === text.length || text.charCodeAt(close + 2) === SPACE ? close + 1 : refuse();
  }
  const colon = text.indexOf(": ");
  if (colon >= 0) return colon;
  return text.endsWith(":") ? text.length - 1 : -1;
}

const SPACE = 32;
const HASH = 35;
const QUOTE = 34;
const APOSTROPHE = 39;
const COLON = 58;
const DIGIT_0 = 48;
const DIGIT_9 = 57;

/** Plain words every YAML 1.2 core schema reads as null or a boolean. */
const CONSTANTS: Record<string, null | boolean> = {
  "~": null,
  null: null,
  Null: null,
  NULL: null,
  true: true,
  True: true,
  TRUE: true,
  false: false,
  False: false,
  FALSE: false,
};

/** One scalar: a quoted string without escapes, a decimal integer, a constant or a plain word. */
function scalar(text: string): unknown {
  const first = text.charCodeAt(0);
  let value: string;
  if (first === QUOTE || first === APOSTROPHE) {
    // No escapes: `\` in double quotes, a doubled quote in single ones.
    const quote = text[0]!;
    if (text.length < 2 || !text.endsWith(quote) || text.includes("\\")) refuse();
    value = text.slice(1, -1);
    if (value.includes(quote)) refuse();
  } else if (first >= DIGIT_0 && first <= DIGIT_9) {
    return /^(?:0|[1-9][0-9]{0,14})$/.test(text) ? Number(text) : refuse();
  } else if (text.length <= 5 && Object.hasOwn(CONSTANTS, text)) {
    return CONSTANTS[text];
  } else {
    // A word that no schema reads as anything but a string, with no indicator to weigh.
    if (!/^[A-Za-z_/][^:#[\]{},]*$/.test(text)) {
      return text === "{}" ? {} : text === "[]" ? [] : refuse();
    }
    // Keys come untrimmed: `a : b` would be "a" in YAML.
    if (text.endsWith(" ") || (text.length <= 3 && /^(?:yes|no|on|off|y|n)$/i.test(text))) refuse();
    value = text;
  }
  // Left to yaml's path: a null-looking key, the revision comment's words (see _fast_yaml.ts).
  if (value === "" || (value.length >= 17 && value.includes("tollgate-revision"))) refuse();
  return value;
}
