/**
 * The diff inside a proposal patch: built from the policy text before and after the new
 * rule, in the form `git apply` and `git am` accept, and read back (the rule it adds, and
 * applying it to the file as it is now).
 *
 * @module
 */

import { createHash } from "node:crypto";
import { applyPatch, createTwoFilesPatch, FILE_HEADERS_ONLY } from "diff";
import { type NetworkRule, parseYamlValue } from "../../proxy/policy/mod.ts";

/**
 * Git's blob id of a text (the `index` line of a diff names the pre- and post-image).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { gitBlobId } from "./rule_diff.ts";
 * assert.equal(gitBlobId(""), "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391");
 * ```
 */
export function gitBlobId(text: string): string {
  const bytes = new TextEncoder().encode(text);
  return createHash("sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex");
}

/**
 * A git-style unified diff of one file (`diff --git a/P b/P`, `index`, 3 lines of context).
 *
 * @param path the file's path relative to the repository root (or the policies directory)
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildFileDiff } from "./rule_diff.ts";
 * assert(buildFileDiff("p.yaml", "a\n", "a\nb\n").includes("+b\n"));
 * ```
 */
export function buildFileDiff(
  path: string,
  before: string,
  after: string,
  mode = "100644",
): string {
  const body = createTwoFilesPatch(`a/${path}`, `b/${path}`, before, after, undefined, undefined, {
    context: 3,
    headerOptions: FILE_HEADERS_ONLY,
  });
  const header = `diff --git a/${path} b/${path}\nindex ${gitBlobId(before)}..${
    gitBlobId(after)
  } ${mode}\n`;
  return header + body;
}

/**
 * Apply a reviewed diff to the file's current text; undefined when it no longer applies
 * exactly (every context and removed line must match, as `git apply` requires).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { applyFileDiff, buildFileDiff } from "./rule_diff.ts";
 * const d = buildFileDiff("p.yaml", "a\n", "a\nb\n");
 * assert.equal(applyFileDiff("a\n", d), "a\nb\n");
 * assert.equal(applyFileDiff("c\n", d), undefined);
 * ```
 */
export function applyFileDiff(current: string, diff: string): string | undefined {
  const unified = diff.slice(diff.indexOf("\n--- ") + 1);
  const out = applyPatch(current, unified, { fuzzFactor: 0 });
  return out === false ? undefined : out;
}

/**
 * The rule a proposal diff adds under `key`, read from its added lines.
 *
 * @throws {SyntaxError} when the added lines do not hold exactly that rule
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildFileDiff, ruleFromDiff } from "./rule_diff.ts";
 * const d = buildFileDiff("p.yaml", "network_policies:\n", "network_policies:\n  r:\n    binaries: []\n");
 * assert.deepEqual(ruleFromDiff(d, "r").binaries, []);
 * ```
 */
export function ruleFromDiff(diff: string, key: string): NetworkRule {
  const added = addedLines(diff);
  const indent = Math.min(
    ...added.filter((l) => l.trim() !== "").map((l) => l.length - l.trimStart().length),
  );
  const fragment = added.map((l) => l.slice(indent)).join("\n");
  let value: unknown;
  try {
    value = parseYamlValue(fragment);
  } catch {
    throw new SyntaxError(`The proposal diff does not hold rule "${key}"`);
  }
  const map = value as Record<string, unknown> | null;
  const top = map?.[key] ?? (map?.network_policies as Record<string, unknown> | undefined)?.[key];
  if (typeof top !== "object" || top === null) {
    throw new SyntaxError(`The proposal diff does not hold rule "${key}"`);
  }
  return top as NetworkRule;
}

/**
 * A `git format-patch` style diffstat for one file.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { diffStat } from "./rule_diff.ts";
 * assert(diffStat("p.yaml", "+++ b/p.yaml\n+x\n").includes("1 insertion(+)"));
 * ```
 */
export function diffStat(path: string, diff: string): string {
  const lines = diff.split("\n");
  const plus = lines.filter((l) => l.startsWith("+") && !l.startsWith("+++")).length;
  const minus = lines.filter((l) => l.startsWith("-") && !l.startsWith("---")).length;
  const parts = [`1 file changed`];
  if (plus) parts.push(`${plus} insertion${plus === 1 ? "" : "s"}(+)`);
  if (minus) parts.push(`${minus} deletion${minus === 1 ? "" : "s"}(-)`);
  const bar = "+".repeat(Math.min(plus, 50)) + "-".repeat(Math.min(minus, 50));
  return ` ${path} | ${plus + minus} ${bar}\n ${parts.join(", ")}\n`;
}

/**
 * The lines a diff adds (without their `+`), in order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { addedLines } from "./rule_diff.ts";
 * assert.equal(addedLines("+++ b/x\n+a\n b\n+c\n").join(), "a,c");
 * ```
 */
export function addedLines(diff: string): string[] {
  return diff.split("\n").filter((l) => l.startsWith("+") && !l.startsWith("+++ "))
    .map((l) => l.slice(1).replace(/\r$/, ""));
}
