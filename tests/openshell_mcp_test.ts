/**
 * End to end: `protocol: mcp` through a real proxy, with a real client (Python's
 * http.client speaking MCP's JSON-RPC over HTTP), on the plain-HTTP forward path and inside
 * an intercepted CONNECT tunnel. OpenShell's e2e/mcp-conformance policy lets MCP through;
 * a tool-narrowed policy lets exactly its tools through, whatever a hostile client tries.
 */
import assert from "node:assert/strict";
import { type TestUpstreams, withTestProxy } from "./support/mod.ts";
import {
  type ClientCase,
  conformancePolicy,
  NARROW_POLICY,
  pythonMcpClient,
  rpc,
  toolCall,
} from "./openshell_mcp_fixtures.ts";

const INIT = rpc(1, "initialize", {
  protocolVersion: "2025-11-25",
  capabilities: {},
  clientInfo: { name: "t", version: "1" },
});
const NOTE = JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" });
const RESPONSE = JSON.stringify({ jsonrpc: "2.0", id: "srv-1", result: { action: "accept" } });
const STREAM: ClientCase = {
  name: "receive_stream",
  method: "GET",
  headers: { Accept: "text/event-stream" },
};

/** [case, expected status]: the allowed ones must arrive upstream byte for byte. */
function narrowCases(): [ClientCase, number][] {
  const dup = '{"jsonrpc":"2.0","id":7,"method":"tools/list","method":"tools/call",' +
    '"params":{"name":"delete_repo"}}';
  const escapedKey = '{"jsonrpc":"2.0","id":8,"method":"tools/list",' +
    '"\\u006dethod":"tools/call","params":{"name":"delete_repo"}}';
  const escapedTool = '{"jsonrpc":"2.0","id":9,"method":"tools\\/call",' +
    '"params":{"name":"read\\u005fstatus"}}';
  const escapedDenied = '{"jsonrpc":"2.0","id":10,"method":"tools/call",' +
    '"params":{"name":"submit\\u005fpayment"}}';
  return [
    [{ name: "initialize", body: INIT }, 200],
    [{ name: "initialized_notification", body: NOTE }, 200],
    [{ name: "tools_list", body: rpc(2, "tools/list") }, 200],
    [{ name: "allowed_tool", body: toolCall(3, "read_status") }, 200],
    [{ name: "allowed_tool_glob", body: toolCall(4, "submit_report") }, 200],
    [{ name: "denied_tool", body: toolCall(5, "delete_repo") }, 403],
    [{ name: "deny_rule_tool", body: toolCall(6, "submit_payment") }, 403],
    [{ name: "other_method", body: rpc(11, "resources/read", { uri: "file:///etc" }) }, 403],
    [{ name: "batch_mixed", body: `[${toolCall(12, "read_status")},${toolCall(13, "rm")}]` }, 403],
    [{ name: "batch_allowed", body: `[${INIT},${toolCall(14, "read_status")}]` }, 200],
    [{ name: "duplicate_method_key", body: dup }, 403],
    [{ name: "escaped_method_key", body: escapedKey }, 403],
    [{ name: "escaped_allowed_tool", body: escapedTool }, 200],
    [{ name: "escaped_denied_tool", body: escapedDenied }, 403],
    [{ name: "chunked_allowed", body: toolCall(15, "read_status"), chunked: true }, 200],
    [{ name: "chunked_denied", body: toolCall(16, "delete_repo"), chunked: true }, 403],
    [{ name: "oversized", body: rpc(17, "tools/list", { pad: "x".repeat(5000) }) }, 413],
    [{ name: "gzip_body", body: INIT, headers: { "Content-Encoding": "gzip" } }, 403],
    [{ name: "response_frame", body: RESPONSE }, 200],
    [STREAM, 200],
    [{ name: "delete_session", method: "DELETE" }, 403],
  ];
}

function assertCases(
  results: { name: string; status: number; body: string }[],
  cases: [ClientCase, number][],
  upstreams: TestUpstreams,
): void {
  for (const [i, [c, status]] of cases.entries()) {
    const r = results[i]!;
    assert.equal(r.name, c.name);
    assert.equal(r.status, status, `${c.name}: ${r.body.slice(0, 300)}`);
    if (status === 403) {
      const denial = JSON.parse(r.body);
      assert.equal(denial.protocol, "mcp", c.name);
      assert.equal(denial.rule_missing.type, "mcp_allow", c.name);
    }
  }
  // Exactly the allowed requests arrived, each with the bytes that were judged.
  const allowed = cases.filter(([, status]) => status === 200).map(([c]) => c.body ?? "");
  assert.deepEqual(upstreams.requests.map((r) => r.body), allowed);
}

Deno.test("mcp: a Python MCP client through the forward proxy gets exactly its allowed tools", async () => {
  await withTestProxy({ policy: NARROW_POLICY }, async (proxy, upstreams) => {
    const cases = narrowCases();
    const target = { host: "plain.example.com", port: 80 };
    const results = await pythonMcpClient(proxy.port, undefined, target, cases.map(([c]) => c));
    assertCases(results, cases, upstreams);
    const denied = JSON.parse(results.find((r) => r.name === "denied_tool")!.body);
    assert.deepEqual(denied.mcp, { method: "tools/call", tool: "delete_repo" });
    assert.deepEqual(denied.rule_missing.mcp, { method: "tools/call", tool: "delete_repo" });
    assert.equal(denied.detail, "POST /mcp not permitted by policy: tools/call delete_repo");
    const batch = JSON.parse(results.find((r) => r.name === "batch_mixed")!.body);
    assert.equal(batch.mcp.tool, "rm");
  });
});

Deno.test("mcp: the same cases inside an intercepted CONNECT tunnel", async () => {
  await withTestProxy({ policy: NARROW_POLICY }, async (proxy, upstreams) => {
    const cases = narrowCases();
    const target = { host: "api.github.com", port: 443 };
    const results = await pythonMcpClient(proxy.port, proxy.caPath, target, cases.map(([c]) => c));
    assertCases(results, cases, upstreams);
  });
});

Deno.test("mcp: OpenShell's mcp-conformance policy loads unchanged and lets MCP through on its path only", async () => {
  const policy = conformancePolicy("plain.example.com", 80, "/mcp");
  await withTestProxy({ policy }, async (proxy, upstreams) => {
    const cases: [ClientCase, number][] = [
      [{ name: "initialize", body: INIT }, 200],
      [{ name: "any_tool", body: toolCall(2, "test_tool_with_progress") }, 200],
      [{ name: "batch", body: `[${NOTE},${rpc(3, "ping")}]` }, 200],
      [{ name: "response_frame", body: RESPONSE }, 200],
      [STREAM, 200],
      [{ name: "not_json", body: "initialize" }, 403],
      [{ name: "odd_tool_name", body: toolCall(4, "rm -rf") }, 403],
    ];
    const target = { host: "plain.example.com", port: 80 };
    const results = await pythonMcpClient(proxy.port, undefined, target, cases.map(([c]) => c));
    assertCases(results, cases, upstreams);
    const [other] = await pythonMcpClient(proxy.port, undefined, { ...target, path: "/other" }, [
      { name: "other_path", body: INIT },
    ]);
    assert.equal(other!.status, 403);
  });
});
