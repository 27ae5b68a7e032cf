import assert from "node:assert/strict";
import type { Decision } from "../policy/mod.ts";
import { expectedNextSteps, l7Denial } from "../../tests/support/mod.ts";
import { renderDenyResponse } from "./deny_body.ts";
import { denyNextSteps } from "./next_steps.ts";
import { renderErrorResponse } from "./rendered_response.ts";

const SKILL = "/etc/tollgate/skills/policy_advisor.md";

const NEXT_STEPS = expectedNextSteps(SKILL);

const l7Deny: Decision = {
  ...l7Denial(),
  ruleMissing: {
    type: "rest_allow",
    layer: "l7",
    method: "PUT",
    path: "/repos/o/r/contents/x.md",
    host: "api.github.com",
    port: 443,
    binary: "/usr/bin/curl",
  },
};

const cases: { name: string; decision: Decision; header: string; body: Record<string, unknown> }[] =
  [
    {
      name: "L7 deny with every field",
      decision: l7Deny,
      header: "gh_ro",
      body: {
        error: "policy_denied",
        policy: "gh_ro",
        rule: "PUT /repos/o/r/contents/x.md",
        detail: "PUT /repos/o/r/contents/x.md not permitted by policy",
        layer: "l7",
        protocol: "rest",
        method: "PUT",
        path: "/repos/o/r/contents/x.md",
        host: "api.github.com",
        port: 443,
        binary: "/usr/bin/curl",
        rule_missing: {
          type: "rest_allow",
          layer: "l7",
          method: "PUT",
          path: "/repos/o/r/contents/x.md",
          host: "api.github.com",
          port: 443,
          binary: "/usr/bin/curl",
        },
      },
    },
    {
      name: "L4 deny without policy or binary omits them and has no method/path/protocol",
      decision: {
        verdict: "deny",
        layer: "l4",
        reason: "no matching policy",
        host: "httpbin.org",
        port: 443,
        ruleMissing: { type: "l4_allow", layer: "l4", host: "httpbin.org", port: 443 },
      },
      header: "-",
      body: {
        error: "policy_denied",
        rule: "CONNECT httpbin.org:443",
        detail: "no matching policy",
        reason: "no matching policy",
        layer: "l4",
        host: "httpbin.org",
        port: 443,
        rule_missing: { type: "l4_allow", layer: "l4", host: "httpbin.org", port: 443 },
      },
    },
    {
      name: "L4 deny of an IPv6 literal brackets the host in rule",
      decision: {
        verdict: "deny",
        layer: "l4",
        reason: "no matching policy",
        host: "2001:db8::1",
        port: 8443,
        binary: "/usr/bin/curl",
        policy: "other",
      },
      header: "other",
      body: {
        error: "policy_denied",
        policy: "other",
        rule: "CONNECT [2001:db8::1]:8443",
        detail: "no matching policy",
        reason: "no matching policy",
        layer: "l4",
        host: "2001:db8::1",
        port: 8443,
        binary: "/usr/bin/curl",
        rule_missing: {
          type: "l4_allow",
          layer: "l4",
          host: "2001:db8::1",
          port: 8443,
          binary: "/usr/bin/curl",
        },
      },
    },
    {
      name: "L7 path with a smuggled query loses it everywhere; missing hint is derived",
      decision: {
        verdict: "deny",
        layer: "l7",
        reason: "get /a?token=s3cret not permitted by policy",
        host: "example.com",
        port: 80,
        method: "get",
        path: "/a?token=s3cret#frag",
        policy: "bad\nkey",
      },
      header: "-",
      body: {
        error: "policy_denied",
        policy: "bad\nkey",
        rule: "GET /a",
        detail: "get /a not permitted by policy",
        layer: "l7",
        protocol: "rest",
        method: "GET",
        path: "/a",
        host: "example.com",
        port: 80,
        rule_missing: {
          type: "rest_allow",
          layer: "l7",
          method: "GET",
          path: "/a",
          host: "example.com",
          port: 80,
        },
      },
    },
  ];

for (const c of cases) {
  Deno.test(`renderDenyResponse() ${c.name}`, () => {
    const res = renderDenyResponse(c.decision, { skillPath: SKILL });
    assert.equal(res.status, 403);
    assert.deepEqual(res.headers, {
      "Content-Type": "application/json",
      "X-Tollgate-Policy": c.header,
      "X-OpenShell-Policy": c.header,
      "Connection": "close",
    });
    const body = JSON.parse(res.body);
    assert.equal(typeof body.agent_guidance, "string");
    assert.match(body.agent_guidance, /policy\.local\/v1\/proposals/);
    delete body.agent_guidance;
    // One line naming the refused request and why, for tools that print only `message`.
    assert.ok(body.message.startsWith(`Tollgate policy denied ${c.body.rule}`), body.message);
    assert.ok(body.message.includes(`: ${c.body.detail}; read http://policy.local/v1/skill`));
    delete body.message;
    assert.deepEqual(body, { ...c.body, next_steps: NEXT_STEPS });
    assert.ok(!res.body.includes("null"), "optional fields are omitted, never null");
    assert.ok(!res.body.includes("s3cret"), "no query string value reaches the body");
  });
}

Deno.test("renderDenyResponse() refuses an allowed decision", () => {
  assert.throws(
    () => renderDenyResponse({ ...l7Deny, verdict: "allow" }, { skillPath: SKILL }),
    TypeError,
  );
});

Deno.test("denyNextSteps() uses the skill path it is given", () => {
  assert.deepEqual(denyNextSteps(SKILL), NEXT_STEPS);
});

Deno.test("renderErrorResponse() behaviour", () => {
  const table: [number, string, string][] = [
    [400, "bad_request", "Malformed request line"],
    [431, "request_header_fields_too_large", "Request headers exceed 8192 bytes"],
    [403, "ssrf_denied", "api.example.com resolves to a private address"],
    [400, "invalid_policy_local_scheme", "Use http://policy.local only"],
  ];
  for (const [status, code, detail] of table) {
    const res = renderErrorResponse(status, code, detail);
    assert.equal(res.status, status);
    assert.deepEqual(res.headers, { "Content-Type": "application/json", "Connection": "close" });
    assert.deepEqual(JSON.parse(res.body), { error: code, detail });
  }
});
