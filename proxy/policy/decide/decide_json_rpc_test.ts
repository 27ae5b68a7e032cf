/**
 * decide() on `protocol: json-rpc` endpoints. Policies in the shapes of OpenShell's
 * `e2e/rust/tests/forward_proxy_jsonrpc_l7.rs` and policy-schema examples; bodies in the
 * shapes of `l7/jsonrpc.rs`'s generic-mode parser tests and its Rego (`jsonrpc_rule_matches`:
 * exact method or "*"), plus the smuggling attempts a hostile agent would make.
 */
import assert from "node:assert/strict";
import { classifyMcpRequest, decide, loadPolicyText } from "../mod.ts";
import type { Decision, RequestFacts } from "../mod.ts";

const POLICY = `version: 1
network_policies:
  test_jsonrpc_l7:
    endpoints:
      - host: jsonrpc.test
        port: 8000
        path: /rpc
        protocol: json-rpc
        enforcement: enforce
        json_rpc: { max_body_bytes: 65536 }
        rules:
          - allow: { method: initialize }
          - allow: { method: tools/list }
          - allow: { method: tools/call }
        deny_rules:
          - method: tools/delete
    binaries: [{ path: /usr/bin/python3 }]
  wildcard:
    endpoints:
      - host: any.test
        port: 8000
        path: /rpc
        protocol: json-rpc
        rules: [{ allow: { method: "*" } }]
        deny_rules: [{ method: reports.delete }]
    binaries: [{ path: /usr/bin/python3 }]
  audit:
    endpoints:
      - host: audit.test
        port: 8000
        path: /rpc
        protocol: json-rpc
        enforcement: audit
        rules: [{ allow: { method: initialize } }]
    binaries: [{ path: /usr/bin/python3 }]
`;

const compiled = loadPolicyText(POLICY, "jsonrpc.yaml").compiled;

function ask(host: string, body: string, method = "POST", accept?: string): Decision {
  const bytes = new TextEncoder().encode(body);
  const facts: RequestFacts = {
    host,
    port: 8000,
    method,
    path: "/rpc",
    identity: { exe: "/usr/bin/python3", ancestors: [] },
    jsonRpc: classifyMcpRequest({ method, accept, body: bytes }, "json-rpc"),
  };
  return decide(compiled, facts);
}

const rpc = (id: number, method: string, params?: unknown) =>
  JSON.stringify({ jsonrpc: "2.0", id, method, ...(params === undefined ? {} : { params }) });

Deno.test("json-rpc: the e2e policy allows its methods by name, whatever the params, and denies tools/delete", () => {
  const h = "jsonrpc.test";
  assert.equal(ask(h, rpc(1, "initialize", { protocolVersion: "2025-11-25" })).verdict, "allow");
  assert.equal(ask(h, rpc(1, "tools/list")).verdict, "allow");
  assert.equal(ask(h, rpc(1, "tools/call", { name: "read_status" })).verdict, "allow");
  // Generic JSON-RPC matches no params: a tools/call of any tool is the method tools/call.
  const odd = rpc(1, "tools/call", { name: "blocked_action", arguments: { scope: "ignored" } });
  assert.equal(ask(h, odd).verdict, "allow");
  const del = ask(h, rpc(1, "tools/delete", { name: "purge_cache" }));
  assert.equal(del.verdict, "deny");
  assert.equal(del.reason, "POST /rpc blocked by deny rule: tools/delete");
  assert.deepEqual(del.jsonRpc, { method: "tools/delete" });
  assert.equal(del.ruleMissing?.type, "json_rpc_allow");
  assert.deepEqual(del.ruleMissing?.json_rpc, { method: "tools/delete" });
  const other = ask(h, rpc(1, "resources/read"));
  assert.equal(other.reason, "POST /rpc not permitted by policy: resources/read");
  // A method is matched exactly: no glob, no case folding, no prefix.
  assert.equal(ask(h, rpc(1, "Initialize")).verdict, "deny");
  assert.equal(ask(h, rpc(1, "tools/list/extra")).verdict, "deny");
});

Deno.test("json-rpc: a batch is allowed only when every call is; one denied call denies it all", () => {
  const h = "jsonrpc.test";
  assert.equal(ask(h, `[${rpc(1, "tools/list")},${rpc(2, "tools/call")}]`).verdict, "allow");
  const mixed = ask(h, `[${rpc(1, "tools/list")},${rpc(2, "tools/delete")}]`);
  assert.equal(mixed.verdict, "deny");
  assert.deepEqual(mixed.jsonRpc, { method: "tools/delete" });
  const hidden = ask(h, `[${rpc(1, "tools/list")},${rpc(2, "admin/drop")}]`);
  assert.equal(hidden.verdict, "deny");
  assert.equal(ask(h, "[]").reason, "JSON-RPC request rejected: empty batch");
  const versionless = `[${rpc(1, "tools/list")},{"id":2,"method":"tools/list"}]`;
  assert.equal(
    ask(h, versionless).reason,
    "JSON-RPC request rejected: batch item invalid: missing or non-string 'jsonrpc' field",
  );
  // A notification (no id) is a call as well.
  assert.equal(ask(h, '{"jsonrpc":"2.0","method":"tools/delete"}').verdict, "deny");
});

Deno.test('json-rpc: method "*" allows every method, and a deny rule still wins', () => {
  assert.equal(ask("any.test", rpc(1, "reports.search", ["x", { nested: true }])).verdict, "allow");
  assert.equal(ask("any.test", rpc(1, "reports.delete")).verdict, "deny");
  assert.equal(ask("any.test", `[${rpc(1, "a")},${rpc(2, "reports.delete")}]`).verdict, "deny");
});

Deno.test("json-rpc: smuggling a method past a rule fails: duplicate keys, escapes, a second value, bad JSON", () => {
  const h = "jsonrpc.test";
  const dup = '{"jsonrpc":"2.0","id":1,"method":"tools/list","method":"tools/delete"}';
  assert.match(ask(h, dup).reason, /^JSON-RPC request rejected: /);
  const escapedKey = '{"jsonrpc":"2.0","id":1,"method":"tools/list","\\u006dethod":"tools/delete"}';
  assert.equal(ask(h, escapedKey).verdict, "deny");
  // An escaped method is read decoded: tools\/delete is tools/delete.
  const escapedDeny = ask(h, '{"jsonrpc":"2.0","id":1,"method":"tools\\/d\\u0065lete"}');
  assert.equal(escapedDeny.reason, "POST /rpc blocked by deny rule: tools/delete");
  assert.equal(ask(h, '{"jsonrpc":"2.0","id":1,"method":"tools\\/list"}').verdict, "allow");
  assert.equal(ask(h, `${rpc(1, "tools/list")}${rpc(2, "tools/delete")}`).verdict, "deny");
  assert.equal(ask(h, "not valid json {").reason, "JSON-RPC request rejected: invalid JSON");
  assert.equal(ask(h, '{"jsonrpc":"1.0","id":1,"method":"tools/list"}').verdict, "deny");
  const both = '{"jsonrpc":"2.0","id":1,"method":"initialize","result":{}}';
  assert.equal(
    ask(h, both).reason,
    "JSON-RPC request rejected: JSON-RPC message includes both method and result/error",
  );
});

Deno.test("json-rpc: response frames are refused (also in a batch), and no GET receive stream is allowed", () => {
  const frame = '{"jsonrpc":"2.0","id":1,"result":{}}';
  const refused = "JSON-RPC response frames are not permitted from client to server";
  assert.equal(ask("jsonrpc.test", frame).reason, refused);
  assert.equal(ask("any.test", `[${rpc(1, "a")},${frame}]`).reason, refused);
  const stream = ask("any.test", "", "GET", "text/event-stream");
  assert.equal(stream.verdict, "deny");
  assert.equal(stream.reason, "GET /rpc not permitted by policy");
  assert.equal(ask("any.test", rpc(1, "a"), "PUT").verdict, "deny");
});

Deno.test("json-rpc audit: an unknown method is audited, a response frame or a bad body is still refused", () => {
  const audited = ask("audit.test", rpc(1, "unknown/method"));
  assert.equal(audited.verdict, "allow");
  assert.equal(audited.audit, true);
  assert.equal(ask("audit.test", '{"jsonrpc":"2.0","id":1,"result":{}}').verdict, "deny");
  assert.equal(ask("audit.test", "{").verdict, "deny");
});

Deno.test("json-rpc: a request no body was read for is refused (fails closed)", () => {
  const facts: RequestFacts = {
    host: "any.test",
    port: 8000,
    method: "POST",
    path: "/rpc",
    identity: { exe: "/usr/bin/python3", ancestors: [] },
  };
  assert.equal(decide(compiled, facts).reason, "JSON-RPC request rejected: no body read");
});

Deno.test("json-rpc and mcp on one path: each kind must allow the body", () => {
  const both = loadPolicyText(
    `version: 1
network_policies:
  generic:
    endpoints:
      - { host: h.test, port: 80, path: /rpc, protocol: json-rpc, rules: [{ allow: { method: "*" } }] }
    binaries: [{ path: /usr/bin/python3 }]
  mcp:
    endpoints:
      - host: h.test
        port: 80
        path: /rpc
        protocol: mcp
        rules: [{ allow: { method: tools/call, tool: read_status } }]
    binaries: [{ path: /usr/bin/python3 }]
`,
    "both.yaml",
  ).compiled;
  const judge = (body: string) => {
    const bytes = new TextEncoder().encode(body);
    return decide(both, {
      host: "h.test",
      port: 80,
      method: "POST",
      path: "/rpc",
      identity: { exe: "/usr/bin/python3", ancestors: [] },
      mcp: classifyMcpRequest({ method: "POST", body: bytes }),
      jsonRpc: classifyMcpRequest({ method: "POST", body: bytes }, "json-rpc"),
    });
  };
  assert.equal(judge(rpc(1, "tools/call", { name: "read_status" })).verdict, "allow");
  // The generic endpoint allows every method; the MCP one refuses this tool: refused.
  const d = judge(rpc(1, "tools/call", { name: "delete_repo" }));
  assert.equal(d.verdict, "deny");
  assert.equal(d.ruleMissing?.type, "mcp_allow");
});
