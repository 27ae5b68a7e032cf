/**
 * OpenShell's MCP rule-conflict check (`validate_l7_policies` in its `l7/mod.rs`): where an MCP
 * endpoint allows named tools, a rule that allows or denies every `tools/call` makes those named
 * tools meaningless (the broad allow lets every tool through; the broad deny stops them all), so
 * the endpoint is refused with a line that says which rule to narrow.
 *
 * @module
 */

import { type Checker, isMap, type PlainMap, type ValuePath } from "./_checker.ts";

/**
 * Report each `rules[].allow` or `deny_rules[]` entry of an MCP endpoint that covers every
 * `tools/call` beside allow rules that name tools. `allowAll` is
 * `mcp.allow_all_known_mcp_methods`, under which an allow without `method` is such a rule.
 */
export function mcpToolConflicts(
  c: Checker,
  raw: PlainMap,
  path: ValuePath,
  allowAll: boolean,
): void {
  const allows = entries(raw.rules).map((rule) => (isMap(rule) ? rule.allow : undefined));
  if (!allows.some((allow) => isMap(allow) && namesTools(allow))) return;
  allows.forEach((allow, i) => {
    if (!isMap(allow) || namesTools(allow)) return;
    const method = allow.method;
    if (method === undefined ? allowAll : coversToolsCall(method)) {
      c.report(
        [...path, "rules", i, "allow"],
        `This rule allows every tool call, so the rules naming tools narrow nothing: ` +
          `add "tool" (or "params.name") to it, or remove the rules naming tools`,
        "key",
      );
    }
  });
  entries(raw.deny_rules).forEach((deny, i) => {
    if (!isMap(deny) || namesTools(deny) || !coversToolsCall(deny.method)) return;
    c.report(
      [...path, "deny_rules", i],
      `This deny rule refuses every tool call, so the rules naming tools allow nothing: ` +
        `add "tool" (or "params.name") to deny only some tools, or remove the rules naming tools`,
      "key",
    );
  });
}

function entries(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** The rule selects tools by name (`tool` or `params.name`). */
function namesTools(rule: PlainMap): boolean {
  return rule.tool !== undefined || (isMap(rule.params) && rule.params.name !== undefined);
}

/** A method matcher that `tools/call` matches (`*` as OpenShell's glob reads it, any text). */
function coversToolsCall(method: unknown): boolean {
  if (typeof method !== "string") return false;
  const pattern = method.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\/]/g, "\\$&"));
  return new RegExp(`^${pattern.join(".*")}$`).test("tools/call");
}
