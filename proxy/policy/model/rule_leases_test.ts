import assert, { deepStrictEqual as assertEquals } from "node:assert/strict";
import {
  decide,
  leaseComment,
  loadPolicyText,
  parseRuleLeases,
  withoutOthersRules,
} from "../mod.ts";
import type { RequestFacts } from "./request_facts.ts";

const AT = Date.UTC(2030, 0, 1);
const text = (comment: string) =>
  `version: 1
network_policies:
  ${comment}
  gh:
    endpoints:
      - { host: api.example.com, port: 443, protocol: rest, rules: [{ allow: { method: GET, path: "/x" } }] }
    binaries: [{ path: /usr/bin/curl }]
  tun:
    endpoints: [{ host: tun.example.com, port: 443 }]
    binaries: [{ path: /usr/bin/curl }]
`;
const who = { exe: "/usr/bin/curl", ancestors: [] };
const l7 = (extra: Partial<RequestFacts>): RequestFacts => ({
  host: "api.example.com",
  port: 443,
  identity: who,
  method: "GET",
  path: "/x",
  ...extra,
});

Deno.test("decide() with a lease: allows before the expiry instant, denies from it on", () => {
  const c = loadPolicyText(text(`# tollgate lease scope=lease expires=2030-01-01T00:00:00Z`), "p")
    .compiled;
  assertEquals(decide(c, l7({ now: AT - 1 })).verdict, "allow");
  assertEquals(decide(c, l7({ now: AT })).verdict, "deny");
  // Without the time a leased rule allows nothing (fail closed).
  assertEquals(decide(c, l7({})).verdict, "deny");
});

Deno.test("decide() with a once rule: names it on the final allow, denies once spent", () => {
  const c = loadPolicyText(text(`# tollgate lease scope=once expires=2030-01-01T00:00:00Z`), "p")
    .compiled;
  const l4 = decide(c, { host: "api.example.com", port: 443, identity: who, now: 0 });
  assertEquals([l4.verdict, l4.once], ["allow", undefined]); // inspected: not final
  const first = decide(c, l7({ now: 0 }));
  assertEquals([first.verdict, first.once], ["allow", "gh"]);
  assertEquals(decide(c, l7({ now: 0, spent: (k) => k === "gh" })).verdict, "deny");
  const durable = decide(c, { host: "tun.example.com", port: 443, identity: who, now: 0 });
  assertEquals([durable.verdict, durable.once], ["allow", undefined]);
});

Deno.test("decide() with a session rule: serves only its own sandbox", () => {
  const c = loadPolicyText(text(`# tollgate lease scope=session sandbox=sb-1`), "p").compiled;
  assertEquals(decide(c, l7({ now: 0, sandbox: "sb-1" })).verdict, "allow");
  assertEquals(decide(c, l7({ now: 0, sandbox: "sb-2" })).verdict, "deny");
});

Deno.test("parseRuleLeases() fails closed on an unreadable lease comment", () => {
  const leases = parseRuleLeases(text(`# tollgate lease scope=lease expires=tomorrow`));
  assertEquals(leases.get("gh"), { scope: "lease", expiresAt: 0 });
  assertEquals(parseRuleLeases(text("# a comment")).size, 0);
});

Deno.test("withoutOthersRules: drops another sandbox's whole rule, keeps the rest byte for byte", () => {
  const theirs = leaseComment({ scope: "session", sandbox: "sb-2" });
  const once = leaseComment({ scope: "once", expiresAt: 1, sandbox: "sb-2" });
  const shared = leaseComment({ scope: "once", expiresAt: 1 });
  const text = [
    "version: 1",
    "network_policies:",
    `  ${theirs}`,
    `  "quoted key":`,
    "    endpoints:",
    "",
    "      # inside",
    "      - { host: a.example, port: 443 }",
    `  ${shared}`,
    "  shared:\r",
    "    binaries: [{ path: /usr/bin/curl }]\r",
    `  ${once}`,
    "",
    "  # a person's note",
    "  their_once: { endpoints: [] }",
    "filesystem_policy:",
    "  read_only: [/usr]",
    "",
  ].join("\n");
  assert.equal(
    withoutOthersRules(text, "sb-1"),
    [
      "version: 1",
      "network_policies:",
      `  ${shared}`,
      "  shared:\r",
      "    binaries: [{ path: /usr/bin/curl }]\r",
      "filesystem_policy:",
      "  read_only: [/usr]",
      "",
    ].join("\n"),
  );
  assert.equal(withoutOthersRules(text, "sb-2"), text);
  // A lease comment that names no rule below it removes nothing.
  const stray = `network_policies: {}\n# tollgate lease scope=session sandbox=sb-2\n`;
  assert.equal(withoutOthersRules(stray, "sb-1"), stray);
});
