/**
 * An agent proposes GraphQL-over-WebSocket rules (operation rules on a `protocol: websocket`
 * endpoint, beside the upgrade's GET) to policy.local: the rule is accepted and summarised by
 * its strongest operation; its operations count as every message on the path in the authority
 * delta (a widening, never covered by a GET alone), and the org ceiling takes it only where it
 * allows every message there, as it judges a WEBSOCKET_TEXT rule.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  compilePolicy,
  type NetworkRule,
  parsePolicy,
  policyCoversRule,
} from "../proxy/policy/mod.ts";
import { authorityDelta, formatGrant } from "../gateway/authority/mod.ts";
import { ProposalStore } from "../gateway/mod.ts";
import { makeRepo } from "./gateway_fixtures.ts";
import { policyLocal } from "./hostile_fixtures.ts";

const OPERATIONS = [
  { allow: { operation_type: "subscription", fields: ["messageAdded"] } },
  { allow: { operation_type: "mutation", operation_name: "Send*", fields: ["sendMessage"] } },
];

const rule = (operations = OPERATIONS): NetworkRule =>
  ({
    endpoints: [{
      host: "realtime.example.com",
      port: 443,
      path: "/graphql",
      protocol: "websocket",
      rules: [{ allow: { method: "GET", path: "/graphql" } }, ...operations],
    }],
    binaries: [{ path: "/usr/bin/node" }],
  }) as NetworkRule;

// The socket may open (GET), but no message may be sent on it.
const UPGRADE_ONLY = `version: 1
network_policies:
  realtime:
    endpoints:
      - host: realtime.example.com
        port: 443
        protocol: websocket
        rules:
          - allow: { method: GET, path: "/graphql" }
    binaries: [{ path: /usr/bin/node }]
`;

Deno.test("graphql-ws proposals: an operation rule is accepted and summarised by its strongest operation", async () => {
  const repo = await makeRepo();
  try {
    const store = new ProposalStore({ policiesDir: repo.policies });
    const res = await policyLocal(store).request("http://policy.local/v1/proposals", {
      method: "POST",
      body: JSON.stringify({
        intent_summary: "receive and send chat messages",
        operations: [{ addRule: { ruleName: "realtime_chat", rule: rule() } }],
      }),
    });
    const body = await res.json();
    assert.equal(body.accepted_chunks, 1, JSON.stringify(body));
    const [stored] = await store.list({ status: "pending" });
    assert.match(
      JSON.stringify(stored),
      /websocket mutation Send\* realtime\.example\.com:443 \/graphql \(\+1 more\)/,
    );
  } finally {
    await repo.cleanup();
  }
});

Deno.test("graphql-ws proposals: operations are every message on the path, never covered by the upgrade's GET", () => {
  const compiled = compilePolicy(parsePolicy(UPGRADE_ONLY, "p.yaml").policy!);
  // The GET is covered; the operations are not, so the rule is no duplicate.
  assert.equal(policyCoversRule(compiled, rule()), false);
  const delta = authorityDelta(compiled, rule());
  assert.deepEqual(delta.added.map(formatGrant), [
    "/usr/bin/node -> realtime.example.com:443 L7 WEBSOCKET_TEXT /graphql",
  ]);
  assert.equal(delta.widens, true);
  // The same rule, already in force, is a duplicate.
  const same = compilePolicy({ version: 1, revision: 0, network_policies: { r: rule() } });
  assert.equal(policyCoversRule(same, rule()), true);
  // Another operation on the same socket is not.
  const more = rule([{ allow: { operation_type: "mutation", fields: ["deleteRoom"] } }]);
  assert.equal(policyCoversRule(same, more), false);
});

Deno.test("graphql-ws proposals: the org ceiling takes operations only where it allows every message", async () => {
  const submit = async (ceiling: string) => {
    const repo = await makeRepo();
    try {
      await Deno.writeTextFile(join(repo.policies, "ceiling.yaml"), ceiling);
      const store = new ProposalStore({ policiesDir: repo.policies });
      return JSON.stringify(
        await store.submit({ policy: "team", ruleName: "r", rule: rule(), rationale: "r" }),
      );
    } finally {
      await repo.cleanup();
    }
  };
  assert.match(await submit(UPGRADE_ONLY), /outside_org_ceiling/);
  const everyMessage = UPGRADE_ONLY.replace(
    '          - allow: { method: GET, path: "/graphql" }\n',
    '          - allow: { method: GET, path: "/graphql" }\n' +
      '          - allow: { method: WEBSOCKET_TEXT, path: "/graphql" }\n',
  );
  assert.doesNotMatch(await submit(everyMessage), /outside_org_ceiling/);
});
