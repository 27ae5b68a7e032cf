/**
 * The structured 403 as plain text, for clients that print a `text/plain` error body and
 * nothing else: git prints each line of it as `remote: <line>` (smart HTTP, `info/refs`).
 *
 * @module
 */

import type { Decision } from "../policy/mod.ts";
import { type DenyBody, type DenyOptions, renderDenyResponse } from "./deny_body.ts";
import type { RenderedResponse } from "./rendered_response.ts";

/**
 * Render a denial as `text/plain`: a few lines naming the policy, the missing rule and the
 * next steps, then the JSON body on one line (so an agent can still parse it). Status,
 * `X-Tollgate-Policy` and `Connection: close` are those of {@linkcode renderDenyResponse}.
 *
 * @param decision A decision whose verdict is `deny`.
 * @param options Where the skill lives inside the sandbox.
 * @throws {TypeError} When the decision allows the request.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { renderDenyText } from "./deny_text.ts";
 * const res = renderDenyText({
 *   verdict: "deny", layer: "l4", reason: "endpoint example.com:443 not in policy",
 *   host: "example.com", port: 443, binary: "/usr/bin/git",
 * }, { skillPath: "/skill.md" });
 * assert.equal(res.headers["Content-Type"], "text/plain; charset=utf-8");
 * assert.match(res.body, /^Tollgate policy_denied: CONNECT example\.com:443/);
 * ```
 */
export function renderDenyText(decision: Decision, options: DenyOptions): RenderedResponse {
  const json = renderDenyResponse(decision, options);
  const body = JSON.parse(json.body) as DenyBody;
  const [skill, policy, denials, proposals] = body.next_steps.map((s) => s.url);
  const lines = [
    `Tollgate policy_denied: ${body.rule} (policy: ${body.policy ?? "none"})`,
    `reason: ${body.detail}`,
    `missing rule: ${missingRule(body)}`,
    `next: read the policy-advisor skill at ${skill}, then GET ${policy} and ${denials}`,
    `next: POST the narrowest rule to ${proposals}, wait until it reports ` +
    "policy_reloaded: true, then retry",
  ].map(printable);
  return {
    ...json,
    headers: { ...json.headers, "Content-Type": "text/plain; charset=utf-8" },
    body: `${lines.join("\n")}\n${json.body}\n`,
  };
}

function missingRule(body: DenyBody): string {
  const m = body.rule_missing;
  const where = `${m.host.includes(":") ? `[${m.host}]` : m.host}:${m.port}`;
  const what = m.layer === "l7"
    ? `${m.type} ${m.method ?? "-"} ${m.path ?? "/"} on ${where}`
    : `${m.type} ${where}`;
  return m.binary === undefined ? what : `${what} for binary ${m.binary}`;
}

// A client prints these lines to a terminal: no control character may reach it (a newline
// in a binary path would forge a line, an escape would drive the terminal).
function printable(line: string): string {
  // deno-lint-ignore no-control-regex
  return line.replace(/[\x00-\x1f\x7f-\x9f]/g, "?");
}

/**
 * The structured 403 with its `message` in an `X-Deno-Warning` field as well: Deno prints that
 * field of any answer to a module fetch (`Warning <value>`), but of the 403 itself only
 * "Import '…' failed: 403 Forbidden", so `deno run https://denied.example/mod.ts` told the agent
 * nothing of the policy. The value is printable ASCII, 500 characters at most.
 *
 * @param decision A decision whose verdict is `deny`.
 * @param options Where the skill lives inside the sandbox.
 * @throws {TypeError} When the decision allows the request.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { renderDenyDenoWarning } from "./deny_text.ts";
 * const res = renderDenyDenoWarning({
 *   verdict: "deny", layer: "l4", reason: "endpoint example.com:443 not in policy",
 *   host: "example.com", port: 443, binary: "/usr/bin/deno",
 * }, { skillPath: "/skill.md" });
 * assert.match(res.headers["X-Deno-Warning"]!, /^Tollgate policy denied CONNECT example\.com:443/);
 * assert.equal(res.headers["Content-Type"], "application/json");
 * ```
 */
export function renderDenyDenoWarning(
  decision: Decision,
  options: DenyOptions,
): RenderedResponse {
  const json = renderDenyResponse(decision, options);
  const { message } = JSON.parse(json.body) as DenyBody;
  // A field value: no control character, nothing outside ASCII (Deno refuses to print it).
  const warning = message.replace(/[^\x20-\x7e]/g, "?").slice(0, 500);
  return { ...json, headers: { ...json.headers, "X-Deno-Warning": warning } };
}
