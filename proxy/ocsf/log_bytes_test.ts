import assert from "node:assert/strict";
import type { Decision } from "../policy/mod.ts";
import { compactEvent, logBytesOf, ocsfEventFromDecision } from "./mod.ts";

const base: Decision = {
  verdict: "allow",
  layer: "l7",
  reason: "allowed by policy 'gh'",
  policy: "gh",
  host: "api.github.com",
  port: 443,
  method: "GET",
  path: "/repos/o/r/contents/README.md",
  binary: "/usr/lib/node_modules/npm/bin/npm-cli.js",
};
const calls = Array.from(
  { length: 20 },
  (_, i) => ({ method: `tools/call`, tool: `t${i}_x`.repeat(8) }),
);

const CASES: [string, Decision][] = [
  ["an L4 allow", { ...base, layer: "l4", method: undefined, path: undefined }],
  ["an L7 allow", base],
  ["an L7 allow with a 2 KB path", { ...base, path: `/${"a".repeat(2000)}` }],
  ["an L7 denial", {
    ...base,
    verdict: "deny",
    method: "PUT",
    reason: "PUT /repos/o/r/contents/README.md not permitted by policy",
  }],
  ["an audit allow", { ...base, audit: true, reason: "would deny: DELETE /x not permitted" }],
  ["an MCP batch of 20 calls", { ...base, method: "POST", rpc: { protocol: "mcp", calls } }],
];

Deno.test("logBytesOf() estimates what an event adds to the log within a third", () => {
  for (const [name, decision] of CASES) {
    const event = ocsfEventFromDecision(decision, { pid: 123456, srcPort: 54321 });
    (event.unmapped ??= {}).sandbox = "sb-0123456789abcdef";
    const line = JSON.stringify(compactEvent(event)).length + 1;
    const real = decision.verdict === "deny" ? 2 * line : line;
    const estimate = logBytesOf(event);
    assert.ok(
      estimate > real * 0.67 && estimate < real * 1.5,
      `${name}: estimated ${estimate}, written ${real}`,
    );
  }
});
