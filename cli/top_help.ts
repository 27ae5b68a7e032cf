/**
 * The top-level help and the unknown-command line, written from the command table without
 * loading commander or any command group: `tollgate --help` and `tollgate bogus` answer as
 * commander does (its layout, wrapping and suggestion), and a test holds the two equal.
 *
 * @module
 */

import { COMMANDS, PROGRAM_DESCRIPTION } from "./command_table.ts";

/** Commander's layout: two spaces before each item, two between its term and description. */
const INDENT = 2;
const SPACER = 2;
/** Commander leaves a description unwrapped when less than this width remains for it. */
const MIN_WRAP = 40;
/** Commander suggests a name at most this many edits away. */
const MAX_EDITS = 3;

const OPTIONS: readonly [string, string][] = [
  ["-V, --version", "output the version number"],
  ["-h, --help", "display help for command"],
];
const HELP_COMMAND: [string, string] = ["help [command]", "display help for command"];

/**
 * The help `tollgate --help` prints, wrapped to `width` columns (80 off a terminal).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { topHelp } from "./top_help.ts";
 * const help = topHelp(80);
 * assert.match(help, /^Usage: tollgate \[options\] \[command\]\n/);
 * assert.match(help, /\n {2}proposals {10}Review, approve and reject proposals\n/);
 * ```
 */
export function topHelp(width: number): string {
  const commands: [string, string][] = Object.values(COMMANDS).map((c) => [
    c.term,
    c.description,
  ]);
  commands.push(HELP_COMMAND);
  const termWidth = Math.max(...[...OPTIONS, ...commands].map(([term]) => term.length));
  const item = ([term, text]: [string, string]) => formatItem(term, text, termWidth, width);
  return [
    "Usage: tollgate [options] [command]",
    "",
    wrap(PROGRAM_DESCRIPTION, width),
    "",
    "Options:",
    ...OPTIONS.map(item),
    "",
    "Commands:",
    ...commands.map(item),
    "",
  ].join("\n");
}

/**
 * The error line of a command the table does not have, with commander's suggestion of the
 * nearest name (or names) when one is close enough.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { unknownCommand } from "./top_help.ts";
 * assert.equal(unknownCommand("propsals"), "error: unknown command 'propsals' (Did you mean proposals?)");
 * assert.equal(unknownCommand("x"), "error: unknown command 'x'");
 * ```
 */
export function unknownCommand(word: string): string {
  const names = [...Object.keys(COMMANDS), "help"];
  const near = nearest(word, names);
  const hint = near.length > 1
    ? ` (Did you mean one of ${near.join(", ")}?)`
    : near.length === 1
    ? ` (Did you mean ${near[0]}?)`
    : "";
  return `error: unknown command '${word}'${hint}`;
}

/** The candidates fewest edits from `word`, among those similar enough (sorted). */
function nearest(word: string, candidates: string[]): string[] {
  let best = MAX_EDITS;
  let found: string[] = [];
  for (const candidate of candidates) {
    if (candidate.length <= 1) continue;
    const distance = edits(word, candidate);
    const length = Math.max(word.length, candidate.length);
    // More than 40 % of the longer word must survive the edits.
    if ((length - distance) / length <= 0.4) continue;
    if (distance < best) [best, found] = [distance, [candidate]];
    else if (distance === best) found.push(candidate);
  }
  return found.sort((a, b) => a.localeCompare(b));
}

/** Optimal string alignment distance: insertions, deletions, substitutions, swaps of two. */
function edits(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > MAX_EDITS) return Math.max(a.length, b.length);
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) rows.push([i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 0; j <= b.length; j++) rows[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    const row = rows[i]!, above = rows[i - 1]!;
    for (let j = 1; j <= b.length; j++) {
      const same = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min(above[j]! + 1, row[j - 1]! + 1, above[j - 1]! + same);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        row[j] = Math.min(row[j]!, rows[i - 2]![j - 2]! + 1);
      }
    }
  }
  return rows[a.length]![b.length]!;
}

/** One help item: the term padded to `termWidth`, the description wrapped beside it. */
function formatItem(term: string, text: string, termWidth: number, width: number): string {
  const room = width - termWidth - SPACER - INDENT;
  const margin = " ".repeat(INDENT + termWidth + SPACER);
  const body = room < MIN_WRAP ? text : wrap(text, room).replaceAll("\n", `\n${margin}`);
  return `${" ".repeat(INDENT)}${term.padEnd(termWidth)}${" ".repeat(SPACER)}${body}`;
}

/** Wrap at whitespace to `width` columns, as commander does (not below its minimum width). */
function wrap(text: string, width: number): string {
  if (width < MIN_WRAP) return text;
  const lines: string[] = [];
  let line = "";
  for (const chunk of text.match(/\s*\S+/g) ?? []) {
    if (line === "" || line.length + chunk.length <= width) {
      line += chunk;
    } else {
      lines.push(line);
      line = chunk.trimStart();
    }
  }
  return [...lines, line].join("\n");
}
