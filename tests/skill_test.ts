/**
 * The policy-advisor skill is part of the agent contract: it must name every route, every
 * deny-body field and next step, every guidance code, and its example must be accepted.
 */
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { compilePolicy } from "../proxy/policy/mod.ts";
import { l7Denial } from "./support/mod.ts";
import {
  GUIDANCE,
  POLICY_LOCAL_LIMITS,
  policyLocalHandler,
  type ProposalInput,
  type ProposalSink,
  renderDenyResponse,
  ROUTE_DENIALS,
  ROUTE_POLICY_CURRENT,
  ROUTE_PROPOSAL,
  ROUTE_PROPOSAL_WAIT,
  ROUTE_PROPOSALS,
  ROUTE_SKILL,
} from "../proxy/policy_local/mod.ts";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const skill = await Deno.readTextFile(join(root, "skills", "policy_advisor.md"));

const denial = renderDenyResponse(l7Denial(), {
  skillPath: "/etc/tollgate/skills/policy_advisor.md",
});
const denyBody = JSON.parse(denial.body);

Deno.test("skill names every policy.local route", () => {
  const routes = [
    ROUTE_SKILL,
    ROUTE_POLICY_CURRENT,
    ROUTE_DENIALS,
    ROUTE_PROPOSALS,
    ROUTE_PROPOSAL,
    ROUTE_PROPOSAL_WAIT,
  ];
  for (const route of routes) assert.ok(skill.includes(route), `skill misses ${route}`);
});

Deno.test("skill names every next_steps action and every deny body field", () => {
  for (const step of denyBody.next_steps) {
    assert.ok(skill.includes(`\`${step.action}\``), `skill misses next step ${step.action}`);
  }
  const fields = [...Object.keys(denyBody), ...Object.keys(denyBody.rule_missing)];
  for (const field of fields) {
    assert.ok(skill.includes(`\`${field}\``), `skill misses deny field ${field}`);
  }
  assert.ok(skill.includes("X-Tollgate-Policy"));
});

Deno.test("skill names a JSON-RPC denial's fields and the rule it asks for", () => {
  const call = { method: "reports.delete" };
  const decision = l7Denial();
  decision.jsonRpc = call;
  decision.ruleMissing = { ...decision.ruleMissing!, type: "json_rpc_allow", json_rpc: call };
  const body = JSON.parse(renderDenyResponse(decision, { skillPath: "/s.md" }).body);
  assert.equal(body.protocol, "json-rpc");
  assert.deepEqual(body.json_rpc, call);
  for (const field of [...Object.keys(body), ...Object.keys(body.rule_missing)]) {
    assert.ok(skill.includes(`\`${field}\``), `skill misses deny field ${field}`);
  }
  for (const word of ["`json-rpc`", "`json_rpc_allow`", "`protocol: json-rpc`"]) {
    assert.ok(skill.includes(word), `skill misses ${word}`);
  }
});

Deno.test("skill explains every guidance code and the limits it states", () => {
  for (const code of GUIDANCE) assert.ok(skill.includes(`\`${code}\``), `skill misses ${code}`);
  assert.ok(skill.includes(`at most ${POLICY_LOCAL_LIMITS.maxOperations} operations`));
  assert.ok(skill.includes(`${POLICY_LOCAL_LIMITS.maxBodyBytes / 1024} KiB`));
  assert.ok(skill.includes(`1 to ${POLICY_LOCAL_LIMITS.denialsMax}`));
  assert.ok(skill.includes(`1 to ${POLICY_LOCAL_LIMITS.waitMaxSeconds}`));
});

Deno.test("skill's example proposal is accepted by policy.local as it stands", async () => {
  const example = skill.match(/## 5\. Example proposal[\s\S]*?```json\n([\s\S]*?)```/)?.[1];
  assert.ok(example, "the example JSON block is present");
  const submitted: ProposalInput[] = [];
  const sink: ProposalSink = {
    submit(input) {
      submitted.push(input);
      return Promise.resolve({
        accepted: true,
        proposal: {
          id: "p-1",
          status: "pending",
          policy: input.policy,
          ruleName: input.ruleName,
          rule: input.rule,
          findings: [],
        },
      });
    },
    status: () => Promise.resolve(undefined),
    wait: () => Promise.resolve(undefined),
  };
  const compiled = compilePolicy({ version: 1, revision: 0, network_policies: {} });
  const app = policyLocalHandler({
    policyName: "demo",
    sandboxId: "sb-skill",
    policy: {
      current: () => ({ text: "", revision: 0, hash: "", compiled }),
      subscribe: () => () => {},
    },
    sink,
    logDir: join(root, "does-not-exist"),
    skill: () => Promise.resolve(skill),
  });
  const res = await app.request(`http://policy.local${ROUTE_PROPOSALS}`, {
    method: "POST",
    body: example,
  });
  assert.equal(res.status, 202, await res.clone().text());
  assert.deepEqual((await res.json()).accepted_chunk_ids, ["p-1"]);
  const [input] = submitted;
  assert.equal(input?.rule.endpoints[0]?.enforcement, "enforce");
  assert.equal((input?.rule.endpoints[0]?.rules?.[0]?.allow as { method: string }).method, "PUT");
  const served = await app.request(`http://policy.local${ROUTE_SKILL}`);
  assert.equal(await served.text(), skill);
});
