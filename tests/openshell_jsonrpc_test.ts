/**
 * End to end: `protocol: json-rpc` through a real proxy, to a real JSON-RPC 2.0 origin
 * (Python's http.server), with real clients: each case of OpenShell's
 * `e2e/rust/tests/forward_proxy_jsonrpc_l7.rs` in its shape (urllib through the forward
 * proxy, a raw CONNECT carrying plain HTTP), then what a hostile client tries with
 * http.client (chunked, compressed, oversized, duplicate and escaped keys, a second JSON
 * value) on the forward path and inside an intercepted TLS tunnel.
 */
import assert from "node:assert/strict";
import { type TestProxy, withTestProxy } from "./support/mod.ts";
import {
  type E2eCase,
  jsonRpcAuditPolicy,
  jsonRpcRulesPolicy,
  pythonJsonRpcClient,
  startJsonRpcOrigin,
} from "./openshell_jsonrpc_fixtures.ts";
import { type ClientCase, pythonMcpClient, rpc } from "./openshell_mcp_fixtures.ts";

const HOST = "jsonrpc-l7-rules.openshell.test";
const INIT = rpc(1, "initialize", { protocolVersion: "2025-11-25", capabilities: {} });
const CALL = rpc(1, "tools/call", { name: "read_status" });
const UNMATCHED = rpc(1, "tools/call", { name: "blocked_action", arguments: { scope: "ignored" } });
const DELETE = rpc(1, "tools/delete", { name: "purge_cache" });
const LIST = rpc(1, "tools/list");

/** The e2e's cases, [case, status], in its order. */
const E2E: [E2eCase, number][] = [
  [{ name: "forward_method_initialize_allowed", path: "forward", body: INIT }, 200],
  [{ name: "forward_method_tools_list_allowed", path: "forward", body: LIST }, 200],
  [{ name: "forward_method_tools_call_allowed", path: "forward", body: CALL }, 200],
  [{ name: "forward_tools_call_with_unmatched_params", path: "forward", body: UNMATCHED }, 200],
  [{ name: "forward_method_tools_delete_denied", path: "forward", body: DELETE }, 403],
  [{ name: "forward_batch_all_allowed", path: "forward", body: `[${LIST},${CALL}]` }, 200],
  [{ name: "forward_batch_one_denied", path: "forward", body: `[${LIST},${DELETE}]` }, 403],
  [{ name: "forward_invalid_json_denied", path: "forward", body: "not valid json {" }, 403],
  [{ name: "connect_method_initialize_allowed", path: "connect", body: INIT }, 200],
  [{ name: "connect_method_tools_list_allowed", path: "connect", body: LIST }, 200],
  [{ name: "connect_method_tools_call_allowed", path: "connect", body: CALL }, 200],
  [{ name: "connect_tools_call_with_unmatched_params", path: "connect", body: UNMATCHED }, 200],
  [{ name: "connect_method_tools_delete_denied", path: "connect", body: DELETE }, 403],
];

async function withOrigin(
  policy: string,
  run: (
    proxy: TestProxy,
    bodies: () => string[],
    upstream: () => string[],
  ) => Promise<void>,
): Promise<void> {
  const origin = await startJsonRpcOrigin();
  try {
    const resolve = [{ host: HOST, port: 8000, address: "127.0.0.1", targetPort: origin.port }];
    await withTestProxy({ policy, resolve }, async (proxy, upstreams) => {
      await run(proxy, origin.bodies, () => upstreams.requests.map((r) => r.body));
    });
  } finally {
    await origin.close();
  }
}

Deno.test("json-rpc e2e: OpenShell's method rules on the forward and CONNECT paths, to a real JSON-RPC origin", async () => {
  await withOrigin(jsonRpcRulesPolicy(HOST, 8000), async (proxy, bodies) => {
    const results = await pythonJsonRpcClient(
      proxy.port,
      { host: HOST, port: 8000 },
      E2E.map(([c]) => c),
    );
    for (const [i, [c, status]] of E2E.entries()) {
      assert.equal(results[i]!.name, c.name);
      assert.equal(results[i]!.status, status, `${c.name}: ${results[i]!.body.slice(0, 300)}`);
      const answer = status === 200 ? [JSON.parse(results[i]!.body)].flat()[0] : undefined;
      if (status === 200) assert.equal(answer.jsonrpc, "2.0", c.name);
      if (status !== 403) continue;
      const denial = JSON.parse(results[i]!.body);
      assert.equal(denial.protocol, "json-rpc", c.name);
      assert.equal(denial.rule_missing.type, "json_rpc_allow", c.name);
    }
    // The origin answered the batch with one response per call.
    assert.equal(JSON.parse(results[5]!.body).length, 2);
    const denied = JSON.parse(results[4]!.body);
    assert.deepEqual(denied.json_rpc, { method: "tools/delete" });
    assert.deepEqual(denied.rule_missing.json_rpc, { method: "tools/delete" });
    assert.equal(denied.detail, "POST /rpc blocked by deny rule: tools/delete");
    assert.match(JSON.parse(results[7]!.body).detail, /^JSON-RPC request rejected: invalid JSON/);
    // Exactly the allowed bodies reached the origin, byte for byte.
    const allowed = E2E.filter(([, s]) => s === 200).map(([c]) => c.body);
    assert.deepEqual(bodies(), allowed);
    // Each decision's OCSF event names the calls (OpenShell's rule_methods).
    const logged = proxy.events.flatMap((e) => e.unmapped?.jsonrpc ? [e.unmapped.jsonrpc] : []);
    assert.deepEqual(logged[5], {
      protocol: "json-rpc",
      rule_methods: ["tools/list", "tools/call"],
    });
    assert.deepEqual(logged[6], {
      protocol: "json-rpc",
      rule_methods: ["tools/list", "tools/delete"],
    });
  });
});

Deno.test("json-rpc e2e: in audit mode an unknown method is audited, a response frame is still refused", async () => {
  await withOrigin(jsonRpcAuditPolicy(HOST, 8000), async (proxy, bodies) => {
    const cases: E2eCase[] = [
      { name: "forward_unknown_method_audited", path: "forward", body: rpc(1, "unknown/method") },
      {
        name: "forward_response_frame_hard_denied",
        path: "forward",
        body: '{"jsonrpc":"2.0","id":1,"result":{}}',
      },
    ];
    const results = await pythonJsonRpcClient(proxy.port, { host: HOST, port: 8000 }, cases);
    assert.deepEqual(results.map((r) => r.status), [200, 403]);
    // The origin itself answered the audited call: method not found.
    assert.equal(JSON.parse(results[0]!.body).error.code, -32601);
    assert.equal(
      JSON.parse(results[1]!.body).detail,
      "JSON-RPC response frames are not permitted from client to server",
    );
    assert.deepEqual(bodies(), [cases[0]!.body]);
  });
});

/** What a hostile client tries, [case, status]; the allowed ones must arrive byte for byte. */
function hostileCases(): [ClientCase, number][] {
  const dup = '{"jsonrpc":"2.0","id":7,"method":"tools/list","method":"tools/delete"}';
  const escapedKey = '{"jsonrpc":"2.0","id":8,"method":"tools/list","\\u006dethod":"tools/delete"}';
  const escapedDeny = '{"jsonrpc":"2.0","id":9,"method":"tools\\/d\\u0065lete"}';
  const escapedAllow = '{"jsonrpc":"2.0","id":10,"method":"tools\\/\\u006cist"}';
  return [
    [{ name: "allowed", body: LIST }, 200],
    [{ name: "batch_hiding_a_denied_call", body: `[${LIST},${CALL},${DELETE}]` }, 403],
    [{ name: "batch_hiding_an_unlisted_call", body: `[${LIST},${rpc(2, "admin/drop")}]` }, 403],
    [
      { name: "notification_of_denied_method", body: '{"jsonrpc":"2.0","method":"tools/delete"}' },
      403,
    ],
    [{ name: "duplicate_method_key", body: dup }, 403],
    [{ name: "escaped_method_key", body: escapedKey }, 403],
    [{ name: "escaped_denied_method", body: escapedDeny }, 403],
    [{ name: "escaped_allowed_method", body: escapedAllow }, 200],
    [{ name: "second_json_value", body: `${LIST}\n${DELETE}` }, 403],
    [{ name: "response_frame", body: '{"jsonrpc":"2.0","id":"s1","result":{}}' }, 403],
    [{ name: "chunked_allowed", body: CALL, chunked: true }, 200],
    [{ name: "chunked_denied", body: DELETE, chunked: true }, 403],
    [{ name: "gzip_body", body: LIST, headers: { "Content-Encoding": "gzip" } }, 403],
    [{ name: "oversized", body: rpc(11, "tools/list", { pad: "x".repeat(5000) }) }, 413],
    [{
      name: "oversized_chunked",
      body: rpc(12, "tools/list", { pad: "x".repeat(5000) }),
      chunked: true,
    }, 413],
    [{ name: "get_stream", method: "GET", headers: { Accept: "text/event-stream" } }, 403],
  ];
}

function assertHostile(results: { name: string; status: number; body: string }[], got: string[]) {
  const cases = hostileCases();
  for (const [i, [c, status]] of cases.entries()) {
    assert.equal(results[i]!.name, c.name);
    assert.equal(results[i]!.status, status, `${c.name}: ${results[i]!.body.slice(0, 300)}`);
    if (status === 403) assert.equal(JSON.parse(results[i]!.body).protocol, "json-rpc", c.name);
  }
  assert.deepEqual(got, cases.filter(([, s]) => s === 200).map(([c]) => c.body));
}

Deno.test("json-rpc hostile: a Python client through the forward proxy smuggles no call past a rule", async () => {
  await withOrigin(jsonRpcRulesPolicy(HOST, 8000), async (proxy, bodies) => {
    const target = { host: HOST, port: 8000, path: "/rpc" };
    const cases = hostileCases().map(([c]) => c);
    assertHostile(await pythonMcpClient(proxy.port, undefined, target, cases), bodies());
  });
});

Deno.test("json-rpc hostile: the same inside an intercepted TLS tunnel", async () => {
  await withOrigin(jsonRpcRulesPolicy("api.github.com", 443), async (proxy, _b, upstream) => {
    const target = { host: "api.github.com", port: 443, path: "/rpc" };
    const cases = hostileCases().map(([c]) => c);
    assertHostile(await pythonMcpClient(proxy.port, proxy.caPath, target, cases), upstream());
  });
});
