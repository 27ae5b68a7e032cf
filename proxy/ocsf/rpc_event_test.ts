/**
 * The JSON-RPC calls of an MCP or JSON-RPC request in its OCSF event (`unmapped.jsonrpc`, as
 * OpenShell's JSONRPC_L7_REQUEST names them: rule_methods, tools) and in the shorthand line,
 * through the compact log form and back.
 */
import assert from "node:assert/strict";
import type { Decision } from "../policy/mod.ts";
import { compactEvent, expandEvent } from "./compact_event.ts";
import { ocsfEventFromDecision } from "./decision_event.ts";
import { renderShorthand } from "./shorthand.ts";
import type { OcsfEvent } from "./types.ts";

const base: Decision = {
  verdict: "allow",
  layer: "l7",
  reason: "allowed by policy 'rpc'",
  policy: "rpc",
  host: "rpc.example.com",
  port: 443,
  method: "POST",
  path: "/rpc",
  binary: "/usr/bin/python3",
};

Deno.test("ocsf: an allowed JSON-RPC batch names its methods in the event and the line", () => {
  const calls = [{ method: "reports.list" }, { method: "reports.search" }];
  const decision = { ...base, rpc: { protocol: "json-rpc" as const, calls } };
  const event = ocsfEventFromDecision(decision, { time: 0, scheme: "https" });
  assert.deepEqual(event.unmapped?.jsonrpc, {
    protocol: "json-rpc",
    rule_methods: ["reports.list", "reports.search"],
  });
  const compact = JSON.parse(JSON.stringify(compactEvent(event)));
  const back = expandEvent(compact) as unknown as OcsfEvent;
  assert.deepEqual(back, JSON.parse(JSON.stringify(event)));
  assert.equal(
    renderShorthand(back),
    "HTTP:POST [INFO] ALLOWED /usr/bin/python3 -> POST https://rpc.example.com/rpc " +
      "[policy:rpc engine:l7] [json-rpc:reports.list,reports.search]",
  );
});

Deno.test("ocsf: MCP tools line up with their tools/call, an odd name is '?', a long batch is counted", () => {
  const calls = [
    { method: "tools/call" },
    { method: "tools/list" },
    { method: "tools/call", tool: "read_status" },
    ...Array.from({ length: 18 }, () => ({ method: "ping" })),
  ];
  const decision: Decision = {
    ...base,
    verdict: "deny",
    reason: "POST /rpc not permitted by policy: tools/call (unprintable tool)",
    rpc: { protocol: "mcp", calls: calls.slice(0, 20), more: 1 },
  };
  const event = ocsfEventFromDecision(decision, { time: 0 });
  const rpc = event.unmapped?.jsonrpc as Record<string, unknown>;
  assert.deepEqual(rpc.tools, ["?", "read_status"]);
  assert.equal(rpc.more_calls, 1);
  const line = renderShorthand(event);
  assert.match(line, /\[mcp:tools\/call \?,tools\/list,tools\/call read_status,ping,/);
  assert.match(line, /\.\.\. \+1\] \[reason:POST \/rpc not permitted/);
});

Deno.test("ocsf: a REST decision carries no jsonrpc fields", () => {
  const event = ocsfEventFromDecision(base, { time: 0 });
  assert.equal(event.unmapped?.jsonrpc, undefined);
  assert.doesNotMatch(renderShorthand(event), /json-rpc|mcp:/);
});
