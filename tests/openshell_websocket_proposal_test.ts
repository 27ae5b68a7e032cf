/**
 * An agent proposes WebSocket message rules (WEBSOCKET_TEXT on a `protocol: websocket`
 * endpoint) to policy.local: a narrow rule is accepted and summarised by its method and path;
 * a new path is a widening, and so is any message rule (every message of every socket on the
 * path, never one request); the same rule again is a duplicate of coverage; the org ceiling
 * judges message rules as it judges requests.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  compilePolicy,
  type NetworkRule,
  parsePolicy,
  policyCoversRule,
} from "../proxy/policy/mod.ts";
import { authorityDelta } from "../gateway/authority/mod.ts";
import { ProposalStore } from "../gateway/mod.ts";
import { makeRepo } from "./gateway_fixtures.ts";
import { withProposalDesk } from "./support/mod.ts";

const wsEndpoint = (method: string, path: string) => ({
  host: "chat.example.com",
  port: 443,
  protocol: "websocket" as const,
  rules: [{ allow: { method, path } }],
});

const rule = (endpoint: Record<string, unknown>): NetworkRule =>
  ({ endpoints: [endpoint], binaries: [{ path: "/usr/bin/python3" }] }) as NetworkRule;

const CURRENT = `version: 1
network_policies:
  chat_rooms:
    endpoints:
      - host: chat.example.com
        port: 443
        protocol: websocket
        rules:
          - allow: { method: GET, path: "/chat/**" }
          - allow: { method: WEBSOCKET_TEXT, path: "/chat/rooms/1" }
    binaries: [{ path: /usr/bin/python3 }]
`;

Deno.test("websocket proposals: a WEBSOCKET_TEXT rule is accepted and summarised by its method and path", () =>
  withProposalDesk(async ({ store, submit }) => {
    const body = await submit({
      intent_summary: "post in room 2",
      operations: [{
        addRule: {
          ruleName: "chat_room_2",
          rule: rule(wsEndpoint("WEBSOCKET_TEXT", "/chat/rooms/2")),
        },
      }],
    });
    assert.equal(body.accepted_chunks, 1, JSON.stringify(body));
    const [stored] = await store.list({ status: "pending" });
    assert.match(JSON.stringify(stored), /WEBSOCKET_TEXT chat\.example\.com:443 \/chat\/rooms\/2/);
  }));

Deno.test("websocket proposals: a new path is a widening, any message rule widens, the same rule is covered", () => {
  const compiled = compilePolicy(parsePolicy(CURRENT, "p.yaml").policy!);
  assert.equal(
    policyCoversRule(compiled, rule(wsEndpoint("WEBSOCKET_TEXT", "/chat/rooms/1"))),
    true,
  );
  assert.equal(policyCoversRule(compiled, rule(wsEndpoint("GET", "/chat/rooms/9"))), true);
  const other = authorityDelta(compiled, rule(wsEndpoint("WEBSOCKET_TEXT", "/chat/admin")));
  assert.equal(other.added.length, 1);
  assert.equal(other.added[0]?.method, "WEBSOCKET_TEXT");
  assert.equal(other.widens, true);
  // A concrete GET is one request; a concrete message path is every message sent there.
  const empty = compilePolicy(parsePolicy("version: 1\n", "e.yaml").policy!);
  assert.equal(authorityDelta(empty, rule(wsEndpoint("GET", "/chat/x"))).widens, false);
  assert.equal(authorityDelta(empty, rule(wsEndpoint("WEBSOCKET_TEXT", "/chat/x"))).widens, true);
});

Deno.test("websocket proposals: the org ceiling judges a message rule as it judges a request", async () => {
  const ceiling = CURRENT.replace(
    `          - allow: { method: WEBSOCKET_TEXT, path: "/chat/rooms/1" }\n`,
    "",
  );
  const submit = async (method: string) => {
    const repo = await makeRepo();
    try {
      await Deno.writeTextFile(join(repo.policies, "ceiling.yaml"), ceiling);
      const store = new ProposalStore({ policiesDir: repo.policies });
      const proposed = rule(wsEndpoint(method, "/chat/rooms/3"));
      return JSON.stringify(
        await store.submit({ policy: "team", ruleName: "r", rule: proposed, rationale: "r" }),
      );
    } finally {
      await repo.cleanup();
    }
  };
  // The ceiling lets python3 open the socket, not send on it.
  assert.doesNotMatch(await submit("GET"), /outside_org_ceiling/);
  assert.match(await submit("WEBSOCKET_TEXT"), /outside_org_ceiling/);
});
