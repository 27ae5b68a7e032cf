import assert from "node:assert/strict";
import type { Decision } from "../policy/mod.ts";
import { compactEvent, configEvent, expandEvent, ocsfEventFromDecision } from "./mod.ts";
import type { OcsfEvent } from "./types.ts";

const base: Decision = {
  verdict: "allow",
  layer: "l7",
  reason: "allowed by policy 'gh'",
  policy: "gh",
  host: "api.github.com",
  port: 443,
  method: "GET",
  path: "/repos/o/r",
  binary: "/usr/bin/curl",
};
const meta = { time: 1_778_068_800_123, pid: 4242, srcPort: 50_123 };

const CASES: [string, OcsfEvent][] = [
  ["L7 allow over https", ocsfEventFromDecision(base, { ...meta, scheme: "https" })],
  ["L7 allow over plain http", ocsfEventFromDecision(base, meta)],
  ["L4 allow", ocsfEventFromDecision({ ...base, layer: "l4" }, meta)],
  [
    "L4 deny, no binary",
    ocsfEventFromDecision({
      ...base,
      layer: "l4",
      verdict: "deny",
      binary: undefined,
      reason: "x",
    }),
  ],
  [
    "L7 deny",
    ocsfEventFromDecision({
      ...base,
      verdict: "deny",
      method: "PUT",
      reason: "PUT /x not permitted",
    }, meta),
  ],
  ["unknown method (99 Other)", ocsfEventFromDecision({ ...base, method: "PROPFIND" }, meta)],
  [
    "audit-mode allow",
    ocsfEventFromDecision({ ...base, audit: true, reason: "GET /x not permitted" }, meta),
  ],
  [
    "allow with another reason",
    ocsfEventFromDecision({ ...base, reason: "allowed by gh_ro" }, meta),
  ],
  ["IPv6 destination", ocsfEventFromDecision({ ...base, host: "2001:db8::1", port: 8443 }, meta)],
  ["IPv4 destination, L4", ocsfEventFromDecision({ ...base, layer: "l4", host: "10.0.0.1" }, meta)],
  [
    "no rule",
    ocsfEventFromDecision({ ...base, verdict: "deny", policy: undefined, reason: "no rule" }),
  ],
  ["sandbox stamp", stamp(ocsfEventFromDecision(base, meta))],
  ["config LOADED", configEvent("LOADED", "Policy loaded", { revision: 3, hash: "ab", time: 1 })],
  ["config FAILED", configEvent("FAILED", "bad\nyaml", { time: 1 })],
  ["config PROPOSED", configEvent("PROPOSED", "p", { proposalId: "p-1", policy: "x", time: 1 })],
  ["config APPROVED", configEvent("APPROVED", "a", { revision: 4, time: 1 })],
  ["config REJECTED", configEvent("REJECTED", "r", { time: 1 })],
];

function stamp(event: OcsfEvent): OcsfEvent {
  return { ...event, unmapped: { ...event.unmapped, sandbox: "sb-1" } };
}

Deno.test("compactEvent() then expandEvent() gives every kind of event back exactly", () => {
  for (const [name, event] of CASES) {
    const before = structuredClone(event);
    const line = JSON.stringify(compactEvent(event));
    assert.deepEqual(event, before, `${name}: compactEvent() changed its argument`);
    assert.deepEqual(expandEvent(JSON.parse(line)), event, name);
    assert.ok(line.length < JSON.stringify(event).length, `${name}: nothing left out`);
  }
});

Deno.test("expandEvent() takes an event written whole (an older version's line) as it is", () => {
  for (const [name, event] of CASES) {
    const expanded = expandEvent(JSON.parse(JSON.stringify(event)));
    assert.deepEqual(expanded, event, name);
    assert.deepEqual(Object.keys(expanded), Object.keys(event), `${name}: key order`);
  }
});

Deno.test("compactEvent() keeps what a decision cannot imply and drops the captions", () => {
  const event = stamp(ocsfEventFromDecision(base, { ...meta, scheme: "https" }));
  assert.deepEqual(compactEvent(event), {
    class_uid: 4002,
    activity_id: 3,
    time: meta.time,
    action_id: 1,
    metadata: { version: "1.7.0" },
    dst_endpoint: { domain: "api.github.com", port: 443 },
    firewall_rule: { name: "gh" },
    unmapped: { sandbox: "sb-1" },
    src_endpoint: { port: 50_123 },
    actor: { process: { name: "/usr/bin/curl", pid: 4242 } },
    http_request: { url: { path: "/repos/o/r" } },
  });
  // A field that differs from what its ids imply is kept as written.
  const odd = { ...event, severity: "Info", type_uid: 1 };
  assert.deepEqual(expandEvent(JSON.parse(JSON.stringify(compactEvent(odd)))), odd);
});

Deno.test("compactEvent() leaves the event it compacts unchanged, nested objects included", () => {
  const event = ocsfEventFromDecision({
    verdict: "allow",
    layer: "l7",
    reason: "allowed by policy 'gh'",
    policy: "gh",
    host: "api.github.com",
    port: 443,
    method: "GET",
    path: "/repos",
  }, { time: 0 });
  const before = structuredClone(event);
  const compact = compactEvent(event);
  assert.deepEqual(event, before);
  assert.equal((compact.http_request as { url?: { hostname?: string } }).url?.hostname, undefined);
  assert.deepEqual(expandEvent(JSON.parse(JSON.stringify(compact))), before);
});
