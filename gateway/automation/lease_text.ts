/**
 * Text edits for scoped rules: put a lease comment above a rule's key, and take a whole rule
 * (with its Tollgate comments) out of a policy text. Every other byte stays as it was.
 *
 * @module
 */

import { leaseComment, type RuleLease } from "../../proxy/policy/mod.ts";

function keyLine(lines: string[], ruleKey: string): { at: number; indent: string } | undefined {
  const section = lines.findIndex((l) => /^network_policies:\s*(#.*)?$/.test(l));
  if (section < 0) return undefined;
  // Only rule keys count, at the indentation of the section's first key: a rule named
  // "binaries" must not find another rule's `binaries:` line above its own.
  let ruleIndent: string | undefined;
  for (let i = section + 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === "" || line.trimStart().startsWith("#")) continue;
    if (/^\S/.test(line)) return undefined;
    const m = /^([ \t]+)(?:"([^"]*)"|'([^']*)'|([^\s#:'"][^:#]*?))[ \t]*:(?:[ \t]|$)/.exec(line);
    ruleIndent ??= m?.[1];
    if (m && m[1] === ruleIndent && (m[2] ?? m[3] ?? m[4]) === ruleKey) {
      return { at: i, indent: m[1]! };
    }
  }
  return undefined;
}

/**
 * `text` with `lease`'s comment line directly above rule `ruleKey` (replacing an older lease
 * comment there); undefined when the rule's key line cannot be found.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { addLeaseComment } from "./lease_text.ts";
 * const out = addLeaseComment("network_policies:\n  gh:\n    endpoints: []\n", "gh", { scope: "session", sandbox: "sb-1" });
 * assert.equal(out, "network_policies:\n  # tollgate lease scope=session sandbox=sb-1\n  gh:\n    endpoints: []\n");
 * ```
 */
export function addLeaseComment(
  text: string,
  ruleKey: string,
  lease: RuleLease,
): string | undefined {
  const lines = text.split("\n");
  const found = keyLine(lines, ruleKey);
  if (!found) return undefined;
  let at = found.at;
  if (lines[at - 1]?.trim().startsWith("# tollgate lease")) lines.splice(--at, 1);
  lines.splice(at, 0, found.indent + leaseComment(lease));
  return lines.join("\n");
}

/**
 * `text` with rule `from`'s key line naming `to` instead (a plain key, as a proposal's is);
 * undefined when the line is not found or its key is quoted.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { renameRuleKey } from "./lease_text.ts";
 * assert.equal(renameRuleKey("network_policies:\n  gh:\n    x: 1\n", "gh", "gh__a1"), "network_policies:\n  gh__a1:\n    x: 1\n");
 * ```
 */
export function renameRuleKey(text: string, from: string, to: string): string | undefined {
  const lines = text.split("\n");
  const found = keyLine(lines, from);
  const line = found && lines[found.at]!;
  if (!found || !line!.startsWith(`${found.indent}${from}:`)) return undefined;
  lines[found.at] = `${found.indent}${to}${line!.slice(found.indent.length + from.length)}`;
  return lines.join("\n");
}

/**
 * `text` without rule `ruleKey`: its key line, every more-indented line below it, and the
 * Tollgate comments (`# tollgate …`) directly above it. Undefined when the key is not found.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { removeRuleText } from "./lease_text.ts";
 * const text = "network_policies:\n  a:\n    x: 1\n  # tollgate lease scope=session sandbox=s\n  b:\n    y: 2\n";
 * assert.equal(removeRuleText(text, "b"), "network_policies:\n  a:\n    x: 1\n");
 * ```
 */
export function removeRuleText(text: string, ruleKey: string): string | undefined {
  const lines = text.split("\n");
  const found = keyLine(lines, ruleKey);
  if (!found) return undefined;
  let start = found.at;
  while (start > 0 && lines[start - 1]!.trim().startsWith("# tollgate ")) start--;
  let end = found.at + 1;
  while (end < lines.length) {
    const line = lines[end]!;
    const deeper = line.startsWith(found.indent) && /^[ \t]/.test(line.slice(found.indent.length));
    if (
      !(deeper ||
        line.trim() === "" && end + 1 < lines.length && deeperAt(lines, end + 1, found.indent))
    ) break;
    end++;
  }
  lines.splice(start, end - start);
  return lines.join("\n");
}

function deeperAt(lines: string[], i: number, indent: string): boolean {
  const line = lines[i]!;
  return line.startsWith(indent) && /^[ \t]/.test(line.slice(indent.length));
}
