import assert from "node:assert/strict";
import type { Decision } from "../policy/mod.ts";
import { l7Denial } from "../../tests/support/mod.ts";
import { configEvent, type ConfigState, type OcsfEvent, ocsfEventFromDecision } from "./mod.ts";

const T = Date.UTC(2026, 4, 6, 17, 2, 4);
const metadata = { product: { name: "Tollgate", vendor_name: "Tollgate" }, version: "1.7.0" };

const l7Deny = l7Denial();

const decisionCases: {
  name: string;
  decision: Decision;
  meta: Parameters<typeof ocsfEventFromDecision>[1];
  expected: OcsfEvent;
}[] = [
  {
    name: "L7 deny is HTTP Activity Put, Denied/Blocked/Medium/Failure",
    decision: l7Deny,
    meta: { time: T, pid: 58, srcPort: 40000 },
    expected: {
      class_uid: 4002,
      class_name: "HTTP Activity",
      category_uid: 4,
      category_name: "Network Activity",
      activity_id: 7,
      activity_name: "Put",
      type_uid: 400207,
      type_name: "HTTP Activity: Put",
      time: T,
      severity_id: 3,
      severity: "Medium",
      status_id: 2,
      status: "Failure",
      action_id: 2,
      action: "Denied",
      disposition_id: 2,
      disposition: "Blocked",
      message: "DENIED PUT api.github.com:443/repos/o/r/contents/x.md",
      status_detail: "PUT /repos/o/r/contents/x.md not permitted by policy",
      metadata,
      src_endpoint: { port: 40000 },
      dst_endpoint: { domain: "api.github.com", port: 443 },
      actor: { process: { name: "/usr/bin/curl", pid: 58 } },
      firewall_rule: { name: "gh_ro", type: "l7" },
      http_request: {
        http_method: "PUT",
        url: {
          scheme: "http",
          hostname: "api.github.com",
          path: "/repos/o/r/contents/x.md",
          port: 443,
        },
      },
      unmapped: { layer: "l7" },
    },
  },
  {
    name: "L4 allow is Network Activity Open, Allowed/Info/Success, IP literal in ip",
    decision: {
      verdict: "allow",
      layer: "l4",
      reason: "allowed by gh",
      policy: "gh",
      host: "192.0.2.7",
      port: 8443,
    },
    meta: { time: T },
    expected: {
      class_uid: 4001,
      class_name: "Network Activity",
      category_uid: 4,
      category_name: "Network Activity",
      activity_id: 1,
      activity_name: "Open",
      type_uid: 400101,
      type_name: "Network Activity: Open",
      time: T,
      severity_id: 1,
      severity: "Informational",
      status_id: 1,
      status: "Success",
      action_id: 1,
      action: "Allowed",
      disposition_id: 1,
      disposition: "Allowed",
      message: "ALLOWED CONNECT 192.0.2.7:8443",
      status_detail: "allowed by gh",
      metadata,
      dst_endpoint: { ip: "192.0.2.7", port: 8443 },
      firewall_rule: { name: "gh", type: "l4" },
      unmapped: { layer: "l4" },
    },
  },
];

for (const c of decisionCases) {
  Deno.test(`ocsfEventFromDecision() ${c.name}`, () => {
    assert.deepEqual(ocsfEventFromDecision(c.decision, c.meta), c.expected);
  });
}

Deno.test("ocsfEventFromDecision() maps methods to HTTP activities and marks audit", () => {
  const table: [string, number, string][] = [
    ["GET", 3, "Get"],
    ["post", 6, "Post"],
    ["DELETE", 2, "Delete"],
    ["PATCH", 9, "Patch"],
    ["PROPFIND", 99, "Other"],
  ];
  for (const [method, id, name] of table) {
    const e = ocsfEventFromDecision(
      { ...l7Deny, verdict: "allow", audit: true, method },
      { scheme: "https" },
    );
    assert.equal(e.activity_id, id, method);
    assert.equal(e.activity_name, name);
    assert.equal(e.type_uid, 4002 * 100 + id);
    assert.equal(e.http_request?.http_method, method.toUpperCase());
    assert.equal(e.http_request?.url.scheme, "https");
    assert.deepEqual(e.unmapped, { layer: "l7", audit: true });
    assert.equal(typeof e.time, "number");
  }
});

Deno.test("ocsfEventFromDecision() never writes a query string", () => {
  const e = ocsfEventFromDecision(
    { ...l7Deny, path: "/a?token=s3cret", reason: "PUT /a?token=s3cret not permitted" },
    { time: T },
  );
  const json = JSON.stringify(e);
  assert.ok(!json.includes("s3cret"), json);
  assert.equal(e.http_request?.url.path, "/a");
});

const configCases: [ConfigState, number, string, number, string, number][] = [
  ["LOADED", 1, "Informational", 2, "Enabled", 1],
  ["APPROVED", 1, "Informational", 2, "Enabled", 1],
  ["PROPOSED", 1, "Informational", 99, "PROPOSED", 1],
  ["REJECTED", 2, "Low", 1, "Disabled", 1],
  ["FAILED", 3, "Medium", 99, "FAILED", 2],
  ["REFUSED", 3, "Medium", 99, "REFUSED", 2],
];

Deno.test("configEvent() behaviour", () => {
  for (const [state, sev, sevName, stateId, stateName, statusId] of configCases) {
    const e = configEvent(state, "msg", {
      revision: 2,
      hash: "3f2a",
      policy: "demo",
      proposalId: "p-1",
      time: T,
    });
    assert.deepEqual(e, {
      class_uid: 5019,
      class_name: "Device Config State Change",
      category_uid: 5,
      category_name: "Discovery",
      activity_id: 1,
      activity_name: "Log",
      type_uid: 501901,
      type_name: "Device Config State Change: Log",
      time: T,
      severity_id: sev,
      severity: sevName,
      status_id: statusId,
      status: statusId === 1 ? "Success" : "Failure",
      message: "msg",
      metadata,
      state_id: stateId,
      state: stateName,
      unmapped: {
        config_state: state,
        policy_version: 2,
        hash: "3f2a",
        policy: "demo",
        proposal_id: "p-1",
      },
    }, state);
  }
  assert.deepEqual(configEvent("LOADED", "m", {}).unmapped, { config_state: "LOADED" });
});
