/**
 * decide() on `protocol: mcp` endpoints. Policies in the shapes of OpenShell's opa.rs MCP
 * tests (`l7_mcp_rules_filter_tools_call`, `l7_mcp_method_profile_allows_all_tools`, the
 * receive-stream and response-frame cases) and of `e2e/mcp-conformance/policy-template.yaml`;
 * bodies in the shapes of `l7/jsonrpc.rs`'s parser tests, plus the smuggling attempts a
 * hostile agent would make.
 */
import assert from "node:assert/strict";
import { classifyMcpRequest, decide, loadPolicyText } from "../mod.ts";
import type { RequestFacts } from "../mod.ts";

const POLICY = `version: 1
network_policies:
  mcp_params:
    endpoints:
      - host: mcp.params.test
        port: 8000
        path: /mcp
        protocol: mcp
        enforcement: enforce
        mcp: { max_body_bytes: 131072 }
        rules:
          - allow: { method: initialize }
          - allow:
              method: tools/call
              tool: { any: [read_status, "submit_*"] }
        deny_rules:
          - { method: tools/call, tool: blocked_action }
    binaries: [{ path: /usr/bin/curl }]
  mcp_default:
    endpoints:
      - host: mcp.default.test
        port: 8000
        path: /mcp
        protocol: mcp
        mcp: { allow_all_known_mcp_methods: true }
    binaries: [{ path: /usr/bin/curl }]
  mcp_narrowed:
    endpoints:
      - host: mcp.narrow.test
        port: 8000
        protocol: mcp
        mcp: { allow_all_known_mcp_methods: true }
        rules:
          - allow: { tool: "search_*" }
        deny_rules:
          - { tool: "*delete*" }
    binaries: [{ path: /usr/bin/curl }]
  mcp_audit:
    endpoints:
      - host: mcp.audit.test
        port: 8000
        protocol: mcp
        enforcement: audit
        rules: [{ allow: { method: tools/list } }]
    binaries: [{ path: /usr/bin/curl }]
  conformance:
    name: mcp_conformance
    endpoints:
      - host: 10.0.0.5
        port: 3000
        path: /mcp
        protocol: mcp
        enforcement: enforce
        allowed_ips: ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"]
        mcp: { max_body_bytes: 131072, allow_all_known_mcp_methods: true }
        rules:
          - allow: {}
    binaries:
      - path: /usr/local/bin/node
      - path: /opt/mcp-conformance/node_modules/.bin/*
`;

const { compiled } = loadPolicyText(POLICY, "mcp.yaml");
const enc = (s: string) => new TextEncoder().encode(s);

function ask(host: string, body: unknown, extra: Partial<RequestFacts> = {}) {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  const method = extra.method ?? "POST";
  const facts: RequestFacts = {
    host,
    port: host === "10.0.0.5" ? 3000 : 8000,
    identity: { exe: host === "10.0.0.5" ? "/usr/local/bin/node" : "/usr/bin/curl", ancestors: [] },
    method,
    path: "/mcp",
    ...extra,
  };
  facts.mcp ??= classifyMcpRequest({ method, body: text === "" ? undefined : enc(text) });
  return decide(compiled, facts);
}

const call = (method: string, params?: unknown, id: unknown = 1) => ({
  jsonrpc: "2.0",
  id,
  method,
  ...(params === undefined ? {} : { params }),
});
const tool = (name: string) => call("tools/call", { name, arguments: { scope: "x" } });

Deno.test("mcp: tools/call is filtered by tool name (opa.rs l7_mcp_rules_filter_tools_call)", () => {
  assert.equal(ask("mcp.params.test", tool("read_status")).verdict, "allow");
  assert.equal(ask("mcp.params.test", tool("submit_report")).verdict, "allow");
  const blocked = ask("mcp.params.test", tool("blocked_action"));
  assert.equal(blocked.verdict, "deny");
  assert.equal(blocked.reason, "POST /mcp blocked by deny rule: tools/call blocked_action");
  const list = ask("mcp.params.test", call("tools/list"));
  assert.equal(list.verdict, "deny");
  assert.equal(list.ruleMissing?.type, "mcp_allow");
  assert.deepEqual(list.ruleMissing?.mcp, { method: "tools/list" });
  assert.equal(ask("mcp.params.test", call("initialize", {})).verdict, "allow");
  // A tool the rules do not list, and a tool rule's glob stops at "." as OPA's does.
  assert.equal(ask("mcp.params.test", tool("delete_repo")).verdict, "deny");
  assert.equal(ask("mcp.params.test", tool("submit_x.y")).verdict, "deny");
});

Deno.test("mcp: the method profile allows every call no rule narrows", () => {
  assert.equal(ask("mcp.default.test", tool("any_tool")).verdict, "allow");
  assert.equal(ask("mcp.default.test", call("tools/list")).verdict, "allow");
  assert.equal(ask("mcp.default.test", call("vendor/extension", { name: "x" })).verdict, "allow");
  // A tool rule narrows tools/call only; a deny without method is a tools/call deny.
  assert.equal(ask("mcp.narrow.test", call("resources/list")).verdict, "allow");
  assert.equal(ask("mcp.narrow.test", tool("search_web")).verdict, "allow");
  assert.equal(ask("mcp.narrow.test", tool("write_file")).verdict, "deny");
  assert.equal(ask("mcp.narrow.test", tool("search_and_delete")).verdict, "deny");
});

Deno.test("mcp: a batch is allowed only when every call is", () => {
  const mixed = [call("initialize", {}, 1), tool("read_status"), tool("delete_repo")];
  const d = ask("mcp.params.test", mixed);
  assert.equal(d.verdict, "deny");
  assert.deepEqual(d.mcp, { method: "tools/call", tool: "delete_repo" });
  assert.equal(
    ask("mcp.params.test", [call("initialize", {}), tool("read_status")]).verdict,
    "allow",
  );
  assert.equal(ask("mcp.params.test", []).verdict, "deny");
  // A notification naming a tool is judged by its tool too: a lenient server may run it.
  const note = (name: string) => ({ jsonrpc: "2.0", method: "tools/call", params: { name } });
  assert.equal(ask("mcp.narrow.test", [call("tools/list"), note("search_web")]).verdict, "allow");
  assert.equal(ask("mcp.narrow.test", [call("tools/list"), note("search_delete")]).verdict, "deny");
  assert.equal(ask("mcp.params.test", note("blocked_action")).verdict, "deny");
});

Deno.test("mcp: smuggling attempts are refused, even in audit mode", () => {
  const dup = '{"jsonrpc":"2.0","id":1,"method":"tools/list","method":"tools/call",' +
    '"params":{"name":"delete_repo"}}';
  const escaped = '{"jsonrpc":"2.0","id":1,"method":"tools/list","\\u006dethod":"tools/call"}';
  const dupName = '{"jsonrpc":"2.0","id":1,"method":"tools/call",' +
    '"params":{"name":"read_status","na\\u006de":"delete_repo"}}';
  for (const body of [dup, escaped, dupName, "{", "", "null", '{"id":1,"method":"tools/list"}']) {
    for (const host of ["mcp.params.test", "mcp.audit.test", "mcp.default.test"]) {
      const d = ask(host, body);
      assert.equal(d.verdict, "deny", `${host} ${body}`);
      assert.match(d.reason, /^JSON-RPC request rejected: /);
    }
  }
  // An escaped tool name is the decoded name, as the server reads it.
  assert.equal(ask("mcp.params.test", tool("read\u005fstatus")).verdict, "allow");
  const viaEscape =
    '{"jsonrpc":"2.0","id":1,"method":"tools\\/call","params":{"name":"blocked\\u005faction"}}';
  assert.equal(ask("mcp.params.test", viaEscape).verdict, "deny");
  // strict_tool_names (default on) refuses names outside ^[A-Za-z0-9_.-]{1,128}$.
  assert.match(ask("mcp.default.test", tool("read status")).reason, /strict_tool_names/);
  assert.equal(ask("mcp.default.test", call("tools/call", {})).verdict, "deny");
  assert.equal(ask("mcp.default.test", call("tools/list", {}, null)).verdict, "deny");
});

Deno.test("mcp: response frames and the receive stream pass; other HTTP methods do not", () => {
  const response = { jsonrpc: "2.0", id: "srv-1", result: { action: "accept", content: {} } };
  assert.equal(ask("mcp.params.test", response).verdict, "allow");
  assert.equal(
    ask("mcp.params.test", { jsonrpc: "2.0", id: 1, result: {}, error: {} }).verdict,
    "deny",
  );
  const stream = classifyMcpRequest({ method: "GET", accept: "text/event-stream" });
  assert.equal(ask("mcp.params.test", "", { method: "GET", mcp: stream }).verdict, "allow");
  assert.equal(ask("mcp.params.test", "", { method: "GET" }).verdict, "deny");
  assert.equal(ask("mcp.params.test", call("initialize", {}), { method: "PUT" }).verdict, "deny");
  assert.equal(ask("mcp.audit.test", call("tools/call", { name: "x" })).audit, true);
});

Deno.test("mcp: the conformance policy (e2e/mcp-conformance) allows MCP and nothing else", () => {
  for (const body of [call("initialize", {}), tool("test_simple_text"), call("ping")]) {
    assert.equal(ask("10.0.0.5", body).verdict, "allow");
  }
  const other = ask("10.0.0.5", call("ping"), { path: "/other" });
  assert.equal(other.verdict, "deny");
  const curl = ask("10.0.0.5", call("ping"), { identity: { exe: "/usr/bin/curl", ancestors: [] } });
  assert.equal(curl.layer, "l4");
});
