/**
 * Minimal text edits of a policy file: add one named rule at the end of `network_policies`,
 * and set `revision`. Every other byte of the file (comments, order, spacing) stays as it is,
 * so the reviewed diff shows only the new lines.
 *
 * @module
 */

import {
  Document,
  type Document as YamlDocument,
  isMap,
  isScalar,
  parseDocument,
  type Scalar,
  YAMLMap,
} from "yaml";
import { quickPlace, quickRevisionText } from "./_quick_text_edit.ts";
import { foldRuleKey } from "./similar_rule_key.ts";
import {
  findRevisionComments,
  type NetworkRule,
  parseYamlValue,
  revisionCommentLine,
} from "../../proxy/policy/mod.ts";

const RESERVED = new Set(["true", "false", "null", "yes", "no", "on", "off", "y", "n"]);

/**
 * The key a new rule gets: the agent's name sanitised to `[a-z0-9_]`, then `_2`, `_3`, … if
 * that key exists, so a proposal never merges into an existing rule. An existing key counts in
 * its folded form (lower case, `-` and `.` as `_`): a person's `GH-RO` or `gh.ro` keeps a new
 * rule from being `gh_ro`, which a reviewer (or a log reader) would take for the same rule.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ruleKeyFor } from "./policy_text_edit.ts";
 * assert.equal(ruleKeyFor("GH Contents-Write", ["gh_contents_write"]), "gh_contents_write_2");
 * assert.equal(ruleKeyFor("gh_ro", ["GH-RO"]), "gh_ro_2");
 * ```
 */
export function ruleKeyFor(name: string, existing: Iterable<string>): string {
  let base = name.toLowerCase().replace(/[^a-z0-9_]+/g, "_").replace(/_+/g, "_")
    .replace(/^_|_$/g, "").slice(0, 48);
  if (base === "") base = "rule";
  if (!/^[a-z]/.test(base) || RESERVED.has(base)) base = `rule_${base}`;
  const taken = new Set([...existing].map(foldRuleKey));
  if (!taken.has(base)) return base;
  for (let n = 2;; n++) {
    if (!taken.has(`${base}_${n}`)) return `${base}_${n}`;
  }
}

/** The comment line above a rule added by a proposal; it marks the proposal as applied. */
export function proposalMarker(id: string): string {
  return `# tollgate proposal ${id}`;
}

function ruleBlock(key: string, rule: NetworkRule, id: string, indent: string): string[] {
  const body = new Document({ [key]: rule }).toString({
    lineWidth: 0,
    flowCollectionPadding: false,
  });
  return [proposalMarker(id), ...body.trimEnd().split("\n")].map((l) => indent + l);
}

function lineStartAtOrAfter(text: string, offset: number): number {
  if (offset === 0 || text[offset - 1] === "\n") return offset;
  const nl = text.indexOf("\n", offset);
  return nl === -1 ? text.length : nl + 1;
}

function lineStartBefore(text: string, offset: number): number {
  return text.lastIndexOf("\n", offset - 1) + 1;
}

/** Where new rule lines go: an offset, the rule keys' indentation, and a section header if needed. */
interface Place {
  at: number;
  indent: string;
  prefix: string;
}

function splice(text: string, place: Place, lines: string[]): string {
  const head = text.slice(0, place.at);
  const sep = head === "" || head.endsWith("\n") ? "" : "\n";
  return head + sep + place.prefix + lines.join("\n") + "\n" + text.slice(place.at);
}

function sectionPair(doc: YamlDocument) {
  if (!isMap(doc.contents)) throw new Error("Cannot add a rule: the policy is not a map");
  return doc.contents.items.find((p) => isScalar(p.key) && p.key.value === "network_policies");
}

/** The place after the last rule, or undefined for shapes only the document API can edit. */
function blockPlace(text: string, doc: YamlDocument): Place | undefined {
  const pair = sectionPair(doc);
  if (!pair) return { at: text.length, indent: "  ", prefix: "network_policies:\n" };
  const value = pair.value;
  if (isMap(value) && !value.flow && value.items.length > 0) {
    const start = (value.items[0]!.key as Scalar).range![0];
    const indent = " ".repeat(start - lineStartBefore(text, start));
    return { at: lineStartAtOrAfter(text, value.range![1]), indent, prefix: "" };
  }
  if (value === null || isScalar(value) && value.value === null) {
    const at = lineStartAtOrAfter(text, (pair.key as Scalar).range![1]);
    return { at, indent: "  ", prefix: "" };
  }
  return undefined;
}

/**
 * Add `rule` under `network_policies` as `key`, after the last existing rule, with a comment
 * line naming the proposal. Only the new lines are added.
 *
 * @throws {Error} when the edit would not produce exactly the new rule
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { insertRuleText } from "./policy_text_edit.ts";
 * const out = insertRuleText("version: 1\n", "r", { endpoints: [{ host: "h", port: 1 }], binaries: [{ path: "/b" }] }, "p-20260506T170204-ab12cd");
 * assert(out.includes("network_policies:\n  # tollgate proposal"));
 * ```
 */
export function insertRuleText(text: string, key: string, rule: NetworkRule, id: string): string {
  const eol = text.includes("\r\n") ? "\r\n" : "\n";
  const lf = text.replaceAll("\r\n", "\n");
  const place = quickPlace(lf) ?? blockPlace(lf, parseDocument(lf));
  const out = place
    ? splice(lf, place, ruleBlock(key, rule, id, place.indent))
    : reserialise(parseDocument(lf), key, rule, id);
  const added = (parseYamlValue(out) as { network_policies?: Record<string, unknown> })
    .network_policies?.[key];
  if (JSON.stringify(added) !== JSON.stringify(rule)) {
    throw new Error(`Cannot add rule "${key}": the edited file does not hold the rule as written`);
  }
  return out.replaceAll("\n", eol);
}

function reserialise(doc: YamlDocument, key: string, rule: NetworkRule, id: string): string {
  // Flow-style sections: the document API re-serialises the section as a block.
  const pair = sectionPair(doc)!;
  const section: YAMLMap = isMap(pair.value) ? pair.value : new YAMLMap();
  section.flow = false;
  const keyNode = doc.createNode(key);
  keyNode.commentBefore = proposalMarker(id).slice(1);
  section.items.push(doc.createPair(keyNode, doc.createNode(rule)));
  (pair as { value: unknown }).value = section;
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}

/**
 * Insert already-reviewed rule lines (a proposal diff's added lines) verbatim after the last
 * rule of the current text; undefined when the section's shape or indentation differs, so
 * the lines would not mean what the reviewer saw.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { reinsertRuleLines } from "./policy_text_edit.ts";
 * const out = reinsertRuleLines("network_policies:\n  a: {}\n", ["  b: {}"]);
 * assert.equal(out, "network_policies:\n  a: {}\n  b: {}\n");
 * ```
 */
export function reinsertRuleLines(text: string, lines: string[]): string | undefined {
  if (text.includes("\r\n")) return undefined;
  const rule = lines[0] === "network_policies:" ? lines.slice(1) : lines;
  const place = quickPlace(text) ?? blockPlace(text, parseDocument(text));
  const first = rule.find((l) => l.trim() !== "") ?? "";
  const indent = first.slice(0, first.length - first.trimStart().length);
  if (!place || indent !== place.indent) return undefined;
  return splice(text, place, rule);
}

/**
 * Set the policy's revision to `revision` in the `# tollgate-revision: N` comment (see
 * `revision_comment.ts`), so that OpenShell, which refuses a `revision:` key, loads the file.
 * An existing comment gets the new number; a `revision:` key of an older file becomes the
 * comment on its own line (its trailing comment goes with it); otherwise the comment goes
 * after the `version` line.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { setRevisionText } from "./policy_text_edit.ts";
 * assert.equal(setRevisionText("version: 1\n# tollgate-revision: 3\n", 4), "version: 1\n# tollgate-revision: 4\n");
 * assert.equal(setRevisionText("version: 1\nrevision: 3 # n\n", 4), "version: 1\n# tollgate-revision: 4\n");
 * assert.equal(setRevisionText("version: 1\n", 1), "version: 1\n# tollgate-revision: 1\n");
 * ```
 */
export function setRevisionText(text: string, revision: number): string {
  const eol = text.includes("\r\n") ? "\r\n" : "\n";
  const lf = text.replaceAll("\r\n", "\n");
  const quick = quickRevisionText(lf, revisionCommentLine(revision));
  if (quick !== undefined) return quick.replaceAll("\n", eol);
  const doc = parseDocument(lf);
  if (!isMap(doc.contents)) throw new Error("Cannot set the revision: the policy is not a map");
  const line = revisionCommentLine(revision);
  const key = doc.contents.items.find((p) => isScalar(p.key) && p.key.value === "revision");
  const hasMark = findRevisionComments(lf, doc).length > 0;
  let out = key ? withoutRevisionKey(lf, key, hasMark ? undefined : line) : lf;
  if (hasMark) {
    const [mark] = findRevisionComments(out);
    out = out.slice(0, mark!.start) + line + out.slice(mark!.end);
  } else if (!key) out = afterVersion(out, doc, line);
  return out.replaceAll("\n", eol);
}

type TopPair = YAMLMap["items"][number];

/** `lf` with its `revision:` key line replaced by `line` (or removed). */
function withoutRevisionKey(lf: string, pair: TopPair, line?: string): string {
  const keyStart = (pair.key as Scalar).range![0];
  const end = (pair.value as Scalar | null)?.range?.[2] ?? (pair.key as Scalar).range![1];
  const from = lineStartBefore(lf, keyStart);
  const to = lineStartAtOrAfter(lf, end);
  if (from === keyStart && !lf.slice(keyStart, to).trimEnd().includes("\n")) {
    // The usual block layout: the key's own line becomes the comment (or goes).
    return lf.slice(0, from) + (line === undefined ? "" : `${line}\n`) + lf.slice(to);
  }
  // Flow or odd layouts: let the document API drop the key, and put the comment on top.
  const doc = parseDocument(lf);
  doc.delete("revision");
  const body = doc.toString({ lineWidth: 0, flowCollectionPadding: false });
  return line === undefined ? body : `${line}\n${body}`;
}

function afterVersion(text: string, doc: YamlDocument, line: string): string {
  const pairs = (doc.contents as YAMLMap).items;
  const version = pairs.find((p) => isScalar(p.key) && p.key.value === "version");
  if (!version || !isScalar(version.value)) {
    throw new Error("Cannot set the revision: the policy has no version");
  }
  const at = lineStartAtOrAfter(text, version.value.range![1]);
  return splice(text, { at, indent: "", prefix: "" }, [line]);
}
