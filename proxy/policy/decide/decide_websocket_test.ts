/**
 * decide() on `protocol: websocket` endpoints (OpenShell's sandbox-policy.rego: the upgrade is a
 * GET, each client text message a WEBSOCKET_TEXT request on the upgrade's path and query;
 * merge.rs presets: read-only = GET, read-write = GET + WEBSOCKET_TEXT, full = *).
 */
import assert from "node:assert/strict";
import { decide, loadPolicyText } from "../mod.ts";
import type { RequestFacts } from "../mod.ts";

const POLICY = `
version: 1
network_policies:
  realtime:
    endpoints:
      - host: api.example.com
        port: 443
        protocol: websocket
        rules:
          - allow: { method: GET, path: "/v1/realtime/**" }
          - allow:
              method: WEBSOCKET_TEXT
              path: "/v1/realtime/**"
              query: { room: "public-*" }
        deny_rules:
          - { method: WEBSOCKET_TEXT, path: "/v1/realtime/admin/**" }
      - { host: ro.example.com, port: 443, protocol: websocket, access: read-only }
      - { host: rw.example.com, port: 443, protocol: websocket, access: read-write }
      - { host: full.example.com, port: 443, protocol: websocket, access: full }
      - { host: rest.example.com, port: 443, protocol: rest, access: full }
    binaries: [{ path: /usr/bin/python3 }]
`;

const compiled = loadPolicyText(POLICY, "ws.yaml").compiled;

function ask(host: string, method: string, path: string, more: Partial<RequestFacts> = {}) {
  const identity = { exe: "/usr/bin/python3", ancestors: [] };
  return decide(compiled, { host, port: 443, identity, method, path, ...more });
}

const text = (host: string, path: string, query?: string) =>
  ask(host, "WEBSOCKET_TEXT", path, { websocketMessage: true, ...(query ? { query } : {}) });

Deno.test("decide() judges a websocket endpoint's upgrade GET by its GET rules and marks it", () => {
  const up = ask("api.example.com", "GET", "/v1/realtime/chat");
  assert.equal(up.verdict, "allow");
  assert.equal(up.websocket, true);
  assert.equal(ask("api.example.com", "GET", "/v2/other").verdict, "deny");
  // A rest endpoint's upgrade stays a blind tunnel: not marked.
  assert.equal(ask("rest.example.com", "GET", "/ws").websocket, undefined);
});

Deno.test("decide() judges a client text message as WEBSOCKET_TEXT on the upgrade's path and query", () => {
  assert.equal(text("api.example.com", "/v1/realtime/chat", "room=public-1").verdict, "allow");
  const noQuery = text("api.example.com", "/v1/realtime/chat");
  assert.equal(noQuery.verdict, "deny");
  assert.equal(noQuery.reason, "WEBSOCKET_TEXT /v1/realtime/chat not permitted by policy");
  assert.equal(noQuery.ruleMissing?.method, "WEBSOCKET_TEXT");
  const denied = text("api.example.com", "/v1/realtime/admin/x", "room=public-1");
  assert.equal(denied.reason, "WEBSOCKET_TEXT /v1/realtime/admin/x blocked by deny rule");
});

Deno.test("decide() reads websocket presets as OpenShell's merge.rs does", () => {
  assert.equal(ask("ro.example.com", "GET", "/any").verdict, "allow");
  assert.equal(text("ro.example.com", "/any").verdict, "deny");
  assert.equal(ask("ro.example.com", "POST", "/any").verdict, "deny");
  assert.equal(text("rw.example.com", "/any").verdict, "allow");
  assert.equal(ask("rw.example.com", "POST", "/any").verdict, "deny");
  assert.equal(text("full.example.com", "/any").verdict, "allow");
});

Deno.test("decide() denies an HTTP request whose method is WEBSOCKET_TEXT, whatever allows it", () => {
  // A rule for messages must not let a request of that name reach the origin.
  for (const host of ["rw.example.com", "full.example.com", "rest.example.com"]) {
    const d = ask(host, "WEBSOCKET_TEXT", "/any");
    assert.equal(d.verdict, "deny", host);
    assert.match(d.reason, /^WEBSOCKET_TEXT is not an HTTP method/);
    assert.equal(ask(host, "websocket_text", "/any").verdict, "deny", host);
  }
});

Deno.test("decide() judges a socket opened on a spelling an origin routes to a websocket endpoint's path", () => {
  // Messages judged on /ws, the host's other requests under a broad REST grant. Express (and
  // Rails, ASP.NET, Laravel) route /WS and /ws/ to the /ws handler: opened there, the socket
  // was relayed blind under the REST GET, its messages never judged.
  const spelled = loadPolicyText(
    `
version: 1
network_policies:
  chat:
    endpoints:
      - host: chat.example.com
        port: 443
        path: /ws
        protocol: websocket
        rules:
          - allow: { method: GET, path: /ws }
          - allow: { method: WEBSOCKET_TEXT, path: /ws, query: { room: "public-*" } }
      - { host: chat.example.com, port: 443, protocol: rest, access: read-only }
    binaries: [{ path: /usr/bin/python3 }]
`,
    "spelled.yaml",
  ).compiled;
  const identity = { exe: "/usr/bin/python3", ancestors: [] };
  const on = (method: string, path: string, more: Partial<RequestFacts> = {}) =>
    decide(spelled, { host: "chat.example.com", port: 443, identity, method, path, ...more });
  for (const path of ["/ws", "/WS", "/ws/", "/Ws/"]) {
    const up = on("GET", path);
    assert.equal(up.verdict, "allow", path);
    assert.equal(up.websocket, true, path);
    const message = (query?: string) =>
      on("WEBSOCKET_TEXT", path, { websocketMessage: true, ...(query ? { query } : {}) });
    assert.equal(message("room=admin").verdict, "deny", path);
    // The allow rules name /ws: a socket opened on another spelling gets no message through.
    assert.equal(message("room=public-1").verdict, path === "/ws" ? "allow" : "deny", path);
  }
  // Elsewhere on the host the REST grant alone decides: its upgrades stay blind.
  assert.equal(on("GET", "/feed").websocket, undefined);
});
