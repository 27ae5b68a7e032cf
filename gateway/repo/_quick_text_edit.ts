/**
 * The text edits of `policy_text_edit.ts` without a parse, for the usual block layout of a
 * policy file. `yaml` takes seconds to parse a 10,000-rule file; these find the place with a
 * few regular expressions and give up (undefined) on any other shape, which `yaml` then handles.
 * Either way the caller loads the edited text and checks it means what was intended.
 *
 * @module
 */

/** Where new rule lines go: an offset, the rule keys' indentation, a section header if needed. */
export interface QuickPlace {
  at: number;
  indent: string;
  prefix: string;
}

function lineStartAtOrAfter(text: string, offset: number): number {
  if (offset === 0 || text[offset - 1] === "\n") return offset;
  const nl = text.indexOf("\n", offset);
  return nl === -1 ? text.length : nl + 1;
}

/**
 * The revision edit without a parse, for the usual layout: no `revision:` key, no block
 * scalars, and exactly one `# tollgate-revision: N` line (or none, and exactly one `version: 1`
 * line to put it after), written as `line`.
 */
export function quickRevisionText(lf: string, line: string): string | undefined {
  if (/^["']?revision["']?[ \t]*:/m.test(lf) || /:[ \t]*[|>][-+0-9]*[ \t]*(#.*)?$/m.test(lf)) {
    return undefined;
  }
  // The line `findRevisionComments` reads (REVISION_COMMENT with one value).
  const marks = [...lf.matchAll(/^# tollgate-revision:[ \t]*[^\s]*[ \t]*$/gm)];
  if (marks.length === 1) {
    const m = marks[0]!;
    return lf.slice(0, m.index) + line + lf.slice(m.index + m[0].length);
  }
  if (marks.length > 1) return undefined;
  const versions = [...lf.matchAll(/^version:[ \t]+1[ \t]*(?:#.*)?$/gm)];
  if (versions.length !== 1) return undefined;
  const at = lineStartAtOrAfter(lf, versions[0]!.index + versions[0]![0].length);
  const head = lf.slice(0, at);
  return head + (head === "" || head.endsWith("\n") ? "" : "\n") + line + "\n" + lf.slice(at);
}

/**
 * Where new rule lines go, found without a parse for the usual layout: one block
 * `network_policies:` line at column 0 whose rules are indented with spaces, in a one-document
 * file without block scalars. The lines go after the section's last line that is neither blank
 * nor a comment, as `blockPlace` places them. Undefined for every other shape (then `yaml`
 * decides); either way the caller checks the edited text holds the rule as written.
 */
export function quickPlace(lf: string): QuickPlace | undefined {
  // Block scalars keep trailing blank lines (`|+`), documents may end early: leave to yaml.
  if (/:[ \t]*[|>][-+0-9]*[ \t]*(#.*)?$/m.test(lf) || /^(---|\.\.\.)/m.test(lf)) return undefined;
  if (/^\t/m.test(lf)) return undefined;
  const headers = [...lf.matchAll(/^network_policies[ \t]*:[ \t]*(#.*)?$/gm)];
  const mentions = lf.match(/^["']?network_policies/gm)?.length ?? 0;
  if (headers.length !== 1 || mentions !== 1) return undefined;
  const header = headers[0]!;
  const bodyStart = lineStartAtOrAfter(lf, header.index + header[0].length);
  const next = /^[^\s#]/m.exec(lf.slice(bodyStart));
  const bodyEnd = next ? bodyStart + next.index : lf.length;
  const lines = lf.slice(bodyStart, bodyEnd).split("\n");
  const content = lines.map((l, i) => ({ l, i })).filter(({ l }) => !/^\s*(#.*)?$/.test(l));
  if (content.length === 0) return { at: bodyStart, indent: "  ", prefix: "" };
  const indent = /^( +)[^\s#-]/.exec(content[0]!.l)?.[1];
  if (indent === undefined) return undefined;
  const lastLine = content.at(-1)!.i;
  let at = bodyStart;
  for (let i = 0; i <= lastLine; i++) at += lines[i]!.length + 1;
  return { at: Math.min(at, lf.length), indent, prefix: "" };
}
