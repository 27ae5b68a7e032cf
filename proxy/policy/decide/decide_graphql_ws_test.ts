/**
 * decide() on GraphQL over WebSocket (OpenShell's `websocket_graphql_policy`: l7/websocket.rs
 * `inspect_graphql_websocket_message`, sandbox-policy.rego's websocket GraphQL authority): the
 * upgrade is a GET, each `subscribe`/`start` message is judged by its operation, lifecycle
 * messages pass, anything unreadable is refused even in audit mode.
 */
import assert from "node:assert/strict";
import { decide, loadPolicyText } from "../mod.ts";
import type { Decision } from "../mod.ts";

// opa.rs's graphql_ws, plus hosts for audit, persisted queries and shared paths.
const POLICY = `
version: 1
network_policies:
  graphql_ws:
    endpoints:
      - host: realtime.graphql.com
        ports: [443]
        path: "/graphql"
        protocol: websocket
        enforcement: enforce
        rules:
          - allow: { method: GET, path: "/graphql" }
          - allow: { operation_type: query, fields: [viewer] }
          - allow: { operation_type: subscription, fields: [messageAdded] }
        deny_rules:
          - operation_type: mutation
      - host: audit.graphql.com
        port: 443
        protocol: websocket
        enforcement: audit
        rules:
          - allow: { method: GET, path: "/graphql" }
          - allow: { operation_type: subscription }
      - host: saved.graphql.com
        port: 443
        protocol: websocket
        persisted_queries: allow_registered
        graphql_persisted_queries:
          abc123: { operation_type: subscription, fields: [messageAdded] }
          bad999: { operation_type: mutation, fields: [dropAll] }
        rules:
          - allow: { method: GET, path: "/graphql" }
          - allow: { operation_type: subscription, fields: [messageAdded] }
      - host: shared.graphql.com
        port: 443
        protocol: websocket
        rules:
          - allow: { method: GET, path: "/**" }
          - allow: { operation_type: subscription }
        deny_rules:
          - { method: WEBSOCKET_TEXT, path: "/admin/**" }
      - host: routed.graphql.com
        port: 443
        path: "/graphql"
        protocol: websocket
        rules:
          - allow: { method: GET, path: "/graphql" }
          - allow: { operation_type: subscription }
      - { host: routed.graphql.com, port: 443, protocol: rest, access: read-only }
      - host: roomy.graphql.com
        port: 443
        protocol: websocket
        graphql_max_body_bytes: 262144
        rules:
          - allow: { method: GET, path: "/graphql" }
          - allow: { operation_type: subscription }
      - host: shared.graphql.com
        port: 443
        path: "/both"
        protocol: websocket
        rules:
          - allow: { method: WEBSOCKET_TEXT, path: "/both", query: { room: "public" } }
    binaries: [{ path: /usr/bin/node }]
`;

const compiled = loadPolicyText(POLICY, "gql_ws.yaml").compiled;
const identity = { exe: "/usr/bin/node", ancestors: [] };
const enc = (s: string) => new TextEncoder().encode(s);

function message(host: string, text: string | undefined, path = "/graphql", query?: string) {
  return decide(compiled, {
    host,
    port: 443,
    identity,
    method: "WEBSOCKET_TEXT",
    path,
    websocketMessage: true,
    ...text === undefined ? {} : { websocketText: enc(text) },
    ...query === undefined ? {} : { query },
  });
}

const subscribe = (query: string, more: Record<string, unknown> = {}) =>
  JSON.stringify({ type: "subscribe", id: "1", payload: { query, ...more } });
const HOST = "realtime.graphql.com";

function denied(d: Decision, reason: RegExp): void {
  assert.equal(d.verdict, "deny", d.reason);
  assert.match(d.reason, reason);
}

Deno.test("decide() judges a GraphQL-over-WebSocket endpoint's upgrade by its GET rule and marks it", () => {
  const up = decide(compiled, { host: HOST, port: 443, identity, method: "GET", path: "/graphql" });
  assert.equal(up.verdict, "allow");
  assert.equal(up.websocket, true);
  const off = decide(compiled, {
    host: HOST,
    port: 443,
    identity,
    method: "POST",
    path: "/graphql",
  });
  assert.equal(off.verdict, "deny");
});

Deno.test("decide() allows the operations the rules allow, in subscribe and legacy start messages", () => {
  assert.equal(message(HOST, subscribe("subscription { messageAdded { id } }")).verdict, "allow");
  const start = JSON.stringify({ type: "start", id: "7", payload: { query: "{ viewer { id } }" } });
  assert.equal(message(HOST, start).verdict, "allow");
  const named = subscribe("query A { viewer { id } } mutation B { drop }", { operationName: "A" });
  assert.equal(message(HOST, named).verdict, "allow");
});

Deno.test("decide() denies a refused operation by OpenShell's reasons, naming the missing GraphQL rule", () => {
  const mutation = message(HOST, subscribe('mutation M { sendMessage(text: "x") { id } }'));
  denied(mutation, /^GraphQL operation blocked by endpoint policy: mutation M/);
  assert.equal(mutation.ruleMissing?.type, "graphql_allow");
  assert.equal(mutation.ruleMissing?.operation?.operation_type, "mutation");
  const extra = message(HOST, subscribe("subscription { messageAdded { id } secrets { v } }"));
  denied(extra, /^GraphQL operation not permitted by policy: subscription/);
  // The multi-operation document runs the operation its operationName selects.
  const chosen = subscribe("query A { viewer { id } } mutation B { drop }", { operationName: "B" });
  denied(message(HOST, chosen), /blocked by endpoint policy: mutation B/);
});

Deno.test("decide() lets lifecycle messages pass and refuses every unreadable message", () => {
  for (
    const type of ["connection_init", "ping", "pong", "complete", "stop", "connection_terminate"]
  ) {
    assert.equal(message(HOST, JSON.stringify({ type, id: "1" })).verdict, "allow", type);
  }
  const refusals: [string | undefined, RegExp][] = [
    ["not json", /is not valid JSON/],
    ["[1]", /must be a JSON object/],
    ['{"id":"1"}', /missing string type/],
    ['{"type":"Subscribe","id":"1","payload":{"query":"{ viewer { id } }"}}', /unsupported/],
    ['{"type":"subscribe","payload":{"query":"{ viewer { id } }"}}', /missing non-empty id/],
    ['{"type":"subscribe","id":"","payload":{"query":"{ viewer { id } }"}}', /non-empty id/],
    ['{"type":"subscribe","id":"1","payload":[{"query":"{ viewer { id } }"}]}', /object payload/],
    ['{"type":"subscribe","id":"1","payload":{}}', /no query document/],
    [subscribe("query A { viewer { id } } mutation B { drop }"), /multiple operations/],
    [subscribe("{ viewer { id }"), /parse error/],
    [undefined, /binary/],
  ];
  for (const [text, reason] of refusals) {
    denied(message(HOST, text), reason);
    // Refused in audit mode as well: nothing can say what such a message would run.
    denied(message("audit.graphql.com", text), reason);
  }
});

Deno.test("decide() refuses a message whose keys a lenient server reads otherwise", () => {
  // gqlgen matches keys without case and runs the last: a ping here, a mutation there.
  const ping =
    '{"type":"ping","TYPE":"subscribe","id":"1","payload":{"query":"mutation { drop }"}}';
  denied(message(HOST, ping), /ambiguous: duplicate key/);
  const twice =
    '{"type":"subscribe","id":"1","payload":{"query":"{ viewer { id } }","Query":"mutation { drop }"}}';
  denied(message(HOST, twice), /ambiguous: duplicate key/);
});

Deno.test("decide() audits a refused operation on an audit endpoint", () => {
  const d = message("audit.graphql.com", subscribe("mutation { drop }"));
  assert.equal(d.verdict, "allow");
  assert.equal(d.audit, true);
  assert.match(d.reason, /not permitted by policy: mutation/);
});

Deno.test("decide() runs a hash-only persisted query as its registry entry, or refuses it", () => {
  const saved = (hash: string) =>
    JSON.stringify({
      type: "subscribe",
      id: "1",
      payload: { extensions: { persistedQuery: { version: 1, sha256Hash: hash } } },
    });
  assert.equal(message("saved.graphql.com", saved("abc123")).verdict, "allow");
  denied(message("saved.graphql.com", saved("bad999")), /not permitted by policy: mutation/);
  denied(message("saved.graphql.com", saved("nope")), /persisted query is not registered/);
  denied(message(HOST, saved("abc123")), /persisted query is not registered/);
});

Deno.test("decide() applies the path's request deny rules to a GraphQL message, never its allows", () => {
  const sh = "shared.graphql.com";
  assert.equal(
    message(sh, subscribe("subscription { messageAdded { id } }"), "/x").verdict,
    "allow",
  );
  // A WEBSOCKET_TEXT deny rule on the path refuses every message there, lifecycle ones too.
  denied(message(sh, '{"type":"connection_init"}', "/admin/x"), /blocked by deny rule/);
  // A plain websocket endpoint's WEBSOCKET_TEXT allow on the same path lets no operation past.
  denied(message(sh, subscribe("mutation { drop }"), "/both", "room=public"), /mutation/);
  assert.equal(message(sh, '{"type":"connection_init"}', "/both").verdict, "allow");
});

Deno.test("decide() judges a socket opened where an origin may route the GraphQL-over-WebSocket path", () => {
  // A REST grant allows GET anywhere on the host; HotChocolate routes /GRAPHQL to /graphql, and
  // many routers /graphql/ too: the upgrade is marked, and its messages judged by operation.
  const rt = "routed.graphql.com";
  for (const path of ["/GRAPHQL", "/graphql/", "/GraphQL/"]) {
    const up = decide(compiled, { host: rt, port: 443, identity, method: "GET", path });
    assert.equal(up.verdict, "allow", path);
    assert.equal(up.websocket, true, path);
    denied(message(rt, subscribe("mutation { drop }"), path), /not permitted by policy: mutation/);
    assert.equal(message(rt, subscribe("subscription { feed }"), path).verdict, "allow", path);
  }
  // Elsewhere on the host the REST upgrade stays a blind relay, as on any rest endpoint.
  assert.equal(
    decide(compiled, { host: rt, port: 443, identity, method: "GET", path: "/x" }).websocket,
    undefined,
  );
});

Deno.test("decide() refuses unread a GraphQL message over the endpoint's inspection limit", () => {
  // The limit of a GraphQL POST's body (graphql_max_body_bytes, 64 KiB by default) bounds what
  // one message costs to read; a text message may otherwise be 4 MiB, read on the event loop.
  const long = subscribe(`subscription { messageAdded(filter: "${"x".repeat(100_000)}") { id } }`);
  denied(message(HOST, long), /exceeds the 65536 byte inspection limit/);
  denied(message("audit.graphql.com", long), /exceeds the 65536 byte inspection limit/);
  assert.equal(message("roomy.graphql.com", long).verdict, "allow");
  const within = subscribe(`subscription { messageAdded(filter: "${"x".repeat(60_000)}") { id } }`);
  assert.equal(message(HOST, within).verdict, "allow");
});
