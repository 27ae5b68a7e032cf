/**
 * Parse policy YAML and validate it, reporting every problem with the line and column of
 * the offending key or value.
 *
 * @module
 */

import type { Document, Node } from "yaml";
import { Checker, formatValuePath, type Problem } from "../validate/mod.ts";
import { fastYamlValue } from "./_fast_yaml.ts";
import { validatePolicyValue } from "../validate/mod.ts";
import { validateRuleValue } from "../validate/mod.ts";
import { findRevisionComments, REVISION_COMMENT } from "./revision_comment.ts";
import { yamlPackage } from "./_yaml_packages.ts";
import type { NetworkRule, Policy, PolicyIssue } from "../model/mod.ts";

/**
 * Parse and validate policy text. YAML syntax errors and schema problems all become issues
 * (`file`, 1-based `line`/`col`, `message`); `policy` is set only when there are none.
 * `warnings` (same shape) name accepted input that OpenShell also warns about, such as the
 * deprecated `tls: terminate`; they never block loading.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parsePolicy } from "./parse_policy.ts";
 * const { policy, issues } = parsePolicy("version: 1\nnetwork_policies: {}\n", "p.yaml");
 * assert(policy !== undefined && issues.length === 0);
 * const bad = parsePolicy("version: 2\n", "p.yaml");
 * assert(bad.issues[0]!.line === 1 && bad.issues[0]!.col === 10);
 * ```
 */
export function parsePolicy(
  text: string,
  file: string,
): { policy?: Policy; issues: PolicyIssue[]; warnings?: PolicyIssue[] } {
  // The fast parse answers a clean file; issues and warnings need `yaml`'s positions.
  const fast = fastYamlValue(text);
  if (fast !== undefined) {
    const checker = new Checker(text);
    const policy = validatePolicyValue(checker, fast);
    if (policy && checker.problems.length === 0 && checker.warnings.length === 0) {
      if (fastRevisionComment(text, fast, policy)) return { policy, issues: [] };
    }
  }
  // Here only, with positions: `yaml` is loaded the first time a text needs it.
  const { LineCounter, parseDocument } = yamlPackage();
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, keepSourceTokens: false });
  if (doc.errors.length > 0) {
    const issues = doc.errors.map((e) => {
      const { line, col } = lineCounter.linePos(e.pos[0]);
      return { file, line, col, message: syntaxMessage(e.message) };
    });
    return { issues };
  }
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { issues: [{ file, line: 1, col: 1, message: syntaxMessage(message) }] };
  }
  const checker = new Checker(text);
  const policy = validatePolicyValue(checker, raw);
  const located = (list: Problem[]): PolicyIssue[] =>
    list.map((p) => {
      const { line, col } = lineCounter.linePos(problemOffset(doc, p));
      return { file, line, col, message: p.message };
    }).sort((a, b) => a.line - b.line || a.col - b.col);
  const issues = located(checker.problems);
  for (const { at, message } of applyRevisionComment(text, doc, raw, policy)) {
    issues.push({ file, ...lineCounter.linePos(at), message });
  }
  issues.sort((a, b) => a.line - b.line || a.col - b.col);
  if (issues.length > 0 || !policy) return { issues };
  const warnings = located(checker.warnings);
  return warnings.length > 0 ? { policy, issues, warnings } : { policy, issues };
}

/**
 * Take the revision from a `# tollgate-revision: N` comment (see `revision_comment.ts`) when the
 * file has one; the problems it has, with their offsets.
 */
function applyRevisionComment(
  text: string,
  doc: Document,
  raw: unknown,
  policy: Policy | undefined,
): { at: number; message: string }[] {
  const marks = findRevisionComments(text, doc);
  const [mark, twice] = marks;
  if (!mark) return [];
  if (twice) {
    return [{ at: twice.start, message: `The "${REVISION_COMMENT}" comment is given twice` }];
  }
  if (mark.revision === undefined) {
    const message =
      `The "${REVISION_COMMENT}" comment must give a non-negative integer, got "${mark.raw}"`;
    return [{ at: mark.start, message }];
  }
  const key = (raw as { revision?: unknown } | null)?.revision;
  if (key !== undefined && key !== mark.revision) {
    const message = `Key "revision" (${key}) and the "${REVISION_COMMENT}" comment ` +
      `(${mark.revision}) disagree: keep only the comment`;
    return [{ at: mark.start, message }];
  }
  if (policy) policy.revision = mark.revision;
  return [];
}

/**
 * The revision comment on the fast path (no scalar holds its words, see `_fast_yaml.ts`): true
 * when there is none, or exactly one that agrees with any `revision:` key (then it is applied);
 * false sends the text to the `yaml` path, which reports what is wrong with it.
 */
function fastRevisionComment(text: string, raw: unknown, policy: Policy): boolean {
  const marks = [...text.matchAll(/^# tollgate-revision:[ \t]*([^\s]*)[ \t]*$/gm)];
  if (marks.length === 0) return true;
  const value = marks[0]![1]!;
  if (marks.length > 1 || !/^\d{1,15}$/.test(value)) return false;
  const key = (raw as { revision?: unknown }).revision;
  if (key !== undefined && key !== Number(value)) return false;
  policy.revision = Number(value);
  return true;
}

function syntaxMessage(message: string): string {
  const first = message.split("\n")[0]!.trim();
  return `YAML syntax error: ${first.charAt(0).toLowerCase()}${first.slice(1)}`;
}

/** The source offset of the node a problem is about: the key, the value, or the nearest parent. */
function problemOffset(doc: Document, problem: Problem): number {
  const { isAlias, isScalar } = yamlPackage();
  let node: unknown = doc.contents;
  let keyOffset: number | undefined;
  let offset = start(node) ?? 0;
  for (const seg of problem.path) {
    node = isAlias(node) ? node.resolve(doc) : node;
    const next = child(node, seg);
    if (!next) return keyOffset ?? offset;
    keyOffset = next.keyOffset ?? start(next.value);
    const valueOffset = start(next.value);
    offset = valueOffset ?? keyOffset ?? offset;
    node = next.value;
  }
  if (problem.at === "key") return keyOffset ?? offset;
  return isScalar(node) && node.value === null && keyOffset !== undefined ? keyOffset : offset;
}

function child(
  node: unknown,
  seg: string | number,
): { keyOffset?: number; value: unknown } | undefined {
  const { isMap, isPair, isScalar, isSeq } = yamlPackage();
  if (isMap(node)) {
    const pair = node.items.find((p) =>
      isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg)
    );
    return pair && { keyOffset: start(pair.key), value: pair.value };
  }
  if (isSeq(node) && typeof seg === "number") {
    const item = node.items[seg];
    return item === undefined ? undefined : { keyOffset: start(item), value: item };
  }
  return undefined;
}

function start(node: unknown): number | undefined {
  return (node as Node | null)?.range?.[0];
}

/**
 * Validate one rule given as JSON (an agent's proposal). Problems carry paths relative to
 * the rule, like `endpoints[0].port`; the same checks as a policy file apply.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { validateNetworkRule } from "./parse_policy.ts";
 * const r = validateNetworkRule({ endpoints: [{ host: "api.github.com", port: 443 }], binaries: [{ path: "/usr/bin/curl" }] });
 * assert(r.rule !== undefined && r.problems.length === 0);
 * ```
 */
export function validateNetworkRule(
  raw: unknown,
): {
  rule?: NetworkRule;
  problems: { path: string; message: string }[];
  warnings?: { path: string; message: string }[];
} {
  const checker = new Checker();
  const rule = validateRuleValue(checker, raw, []);
  const flat = (list: Problem[]) =>
    list.map((p) => ({ path: formatValuePath(p.path), message: p.message }));
  const problems = flat(checker.problems);
  if (!rule || problems.length > 0) return { problems };
  const warnings = flat(checker.warnings);
  return warnings.length > 0 ? { rule, problems, warnings } : { rule, problems };
}
