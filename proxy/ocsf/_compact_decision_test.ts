import assert from "node:assert/strict";
import type { Decision } from "../policy/mod.ts";
import { compactDecision } from "./_compact_decision.ts";
import { compactByRules, compactEvent } from "./compact_event.ts";
import { configEvent } from "./config_event.ts";
import { ocsfEventFromDecision } from "./decision_event.ts";
import { summaryEvent } from "./summary_event.ts";
import type { OcsfEvent } from "./types.ts";

const allow: Decision = {
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
const deny: Decision = { ...allow, verdict: "deny", reason: "GET /repos/o/r not permitted" };
const METHODS = ["GET", "put", "POST", "DELETE", "HEAD", "OPTIONS", "PATCH", "TRACE", "CONNECT"]
  .concat(["PROPFIND", "WEBSOCKET_TEXT", ""]);
const PATHS = ["/", "/a?token=secret", "/a#frag", "/ünïcødé/\u{1F600}/\u2028", '/q"\\\n\t\x01']
  .concat([`/${"long/".repeat(400)}`, "/%2F..%2f"]);
const HOSTS = [["api.github.com", 443], ["2001:db8::1", 8443], ["10.0.0.1", 80]] as const;

/** Decisions of every shape a proxy logs: verdicts, layers, methods, paths, hosts, extras. */
function decisions(): Decision[] {
  const out: Decision[] = [];
  for (const base of [allow, deny]) {
    for (const method of METHODS) out.push({ ...base, method });
    for (const path of PATHS) out.push({ ...base, path }, { ...base, layer: "l4", path });
    for (const [host, port] of HOSTS) {
      out.push({ ...base, host, port }, { ...base, layer: "l4", host, port });
    }
    out.push(
      { ...base, binary: undefined },
      { ...base, binary: '/opt/ẞin/"tool"' },
      { ...base, policy: undefined, reason: "no rule" },
      { ...base, policy: "rule 'quoted' \u00e9" },
      { ...base, audit: true, reason: "GET /x not permitted" },
      { ...base, reason: "allowed by gh_ro" },
      { ...base, reason: "denied: see https://x.test/?a=b&c=d" },
      { ...base, layer: "l4", audit: true },
      {
        ...base,
        rpc: {
          protocol: "mcp",
          calls: [{ method: "tools/call", tool: "read" }, { method: "tools/call" }, {}],
          more: 3,
        },
      },
      { ...base, rpc: { protocol: "json-rpc", calls: [{ method: "eth_call" }] } },
    );
  }
  return out;
}

function stamped(event: OcsfEvent, sandbox = "sb-1"): OcsfEvent {
  (event.unmapped ??= {}).sandbox = sandbox;
  return event;
}

/** The corpus: every decision with and without pid, port, scheme and stamp; other kinds too. */
function corpus(): OcsfEvent[] {
  const events: OcsfEvent[] = [];
  const metas = [
    {},
    { time: 1_778_068_800_123, pid: 4242, srcPort: 50_123 },
    { time: 0, srcPort: 1, scheme: "https" as const },
    { time: 1_778_068_800_000, pid: 1, scheme: "http" as const },
  ];
  for (const decision of decisions()) {
    for (const meta of metas) {
      events.push(ocsfEventFromDecision(decision, meta));
      events.push(stamped(ocsfEventFromDecision(decision, meta)));
    }
    const counts = { count: 3, bytes: 12, start: 1, end: 5 };
    if (decision.verdict === "allow") events.push(stamped(summaryEvent(decision, counts)));
  }
  events.push(
    configEvent("LOADED", "Policy loaded", { revision: 3, hash: "ab", time: 1 }),
    stamped(configEvent("FAILED", "bad\nyaml ü", { time: 1 })),
    configEvent("PROPOSED", "p", { proposalId: "p-1", policy: "x", time: 1 }),
  );
  return events;
}

const ODD_VALUES: unknown[] = [
  ...[undefined, null, 0, 1, 2, 99, "", "x", "1", "2", "4002", "https", "l4", "l7", "GET"],
  ...["PROPFIND", [], {}, ["a"], { toJSON: (key: string) => key }, () => "fn"],
  ...[{ name: "Tollgate", vendor_name: "Tollgate" }, { vendor_name: "Tollgate", name: "Tollgate" }],
];
const FIELDS = [
  ["class_uid"],
  ["class_name"],
  ["category_uid"],
  ["category_name"],
  ["activity_id"],
  ["activity_name"],
  ["type_uid"],
  ["type_name"],
  ["severity_id"],
  ["severity"],
  ["status_id"],
  ["status"],
  ["action_id"],
  ["action"],
  ["disposition_id"],
  ["disposition"],
  ["message"],
  ["status_detail"],
  ["state"],
  ["metadata"],
  ["metadata", "product"],
  ["metadata", "version"],
  ["dst_endpoint"],
  ["dst_endpoint", "domain"],
  ["dst_endpoint", "port"],
  ["firewall_rule"],
  ["firewall_rule", "name"],
  ["firewall_rule", "type"],
  ["unmapped"],
  ["unmapped", "layer"],
  ["unmapped", "audit"],
  ["http_request"],
  ["http_request", "http_method"],
  ["http_request", "url"],
  ["http_request", "url", "scheme"],
  ["http_request", "url", "hostname"],
  ["http_request", "url", "port"],
  ["http_request", "url", "path"],
  ["__proto__"],
  ["toJSON"],
];

/** A deep copy of `event` with the field at `path` set to `value` (or deleted, for "delete"). */
function mutated(event: OcsfEvent, path: string[], value: unknown): Record<string, unknown> {
  const copy = structuredClone(event) as unknown as Record<string, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) {
    if (typeof node[key] !== "object" || node[key] === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  const last = path.at(-1)!;
  if (value === "delete") delete node[last];
  else {Object.defineProperty(node, last, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });}
  return copy;
}

/** The line the log writes for `event`, and the one the general rules alone give. */
function line(event: unknown): string {
  return JSON.stringify(compactEvent(event as OcsfEvent));
}
function old(event: unknown): string {
  return JSON.stringify(compactByRules(event as OcsfEvent));
}

Deno.test("compactEvent() gives the line the general rules give, for every kind of event", () => {
  const events = corpus();
  assert.ok(events.length > 400);
  for (const event of events) assert.equal(line(event), old(event));
});

Deno.test("compactDecision() takes every decision event the builders make, and nothing else", () => {
  for (const event of corpus()) {
    const decision = event.class_uid === 4001 || event.class_uid === 4002;
    assert.equal(
      compactDecision(event as unknown as Record<string, unknown>) !== undefined,
      decision,
    );
  }
});

Deno.test("compactEvent() leaves out of a plain allow all that its other fields imply", () => {
  assert.equal(
    line(stamped(ocsfEventFromDecision(allow, { time: 7, pid: 9, srcPort: 5 }))),
    '{"class_uid":4002,"activity_id":3,"time":7,"action_id":1,"metadata":{"version":"1.7.0"},' +
      '"dst_endpoint":{"domain":"api.github.com","port":443},"firewall_rule":{"name":"gh"},' +
      '"unmapped":{"sandbox":"sb-1"},"src_endpoint":{"port":5},' +
      '"actor":{"process":{"name":"/usr/bin/curl","pid":9}},' +
      '"http_request":{"url":{"scheme":"http","path":"/repos/o/r"}}}',
  );
});

Deno.test("compactEvent() gives the general rules' line for events changed after they were built", () => {
  const bases = [
    ...[allow, deny].map((d) => stamped(ocsfEventFromDecision(d, { time: 1, pid: 2, srcPort: 3 }))),
    ...[allow, deny].map((d) => ocsfEventFromDecision({ ...d, layer: "l4" }, { time: 1 })),
    ocsfEventFromDecision({ ...allow, method: "PROPFIND", audit: true }, { scheme: "https" }),
  ];
  let checked = 0;
  for (const base of bases) {
    for (const path of FIELDS) {
      for (const value of [...ODD_VALUES, "delete"]) {
        const event = mutated(base, path, value);
        let expected: string;
        try {
          expected = old(event);
        } catch {
          continue; // a toJSON that is not a function: neither renders it
        }
        assert.equal(
          line(event),
          expected,
          `${path} = ${String(value)}`,
        );
        checked++;
      }
    }
  }
  assert.ok(checked > 2_000);
});

Deno.test("compactEvent() gives the general rules' line where a derivation and its field are both missing", () => {
  const base = stamped(ocsfEventFromDecision(allow, { time: 1, pid: 2, srcPort: 3 }));
  const edits: [string[], unknown][][] = [
    [[["dst_endpoint"], "delete"], [["http_request", "url"], { hostname: undefined }]],
    [[["dst_endpoint"], "delete"], [["http_request", "url"], { port: undefined, scheme: "https" }]],
    [[["activity_id"], 99], [["activity_name"], "Other"], [["http_request"], {
      http_method: undefined,
    }]],
    [[["firewall_rule"], { type: undefined }]],
    [[["unmapped"], { layer: undefined }]],
    [[["action_id"], 2], [["firewall_rule", "name"], 7], [["status_detail"], undefined]],
  ];
  for (const edit of edits) {
    let event = base as unknown as Record<string, unknown>;
    for (const [path, value] of edit) event = mutated(event as unknown as OcsfEvent, path, value);
    assert.equal(line(event), old(event), JSON.stringify(edit));
  }
});
