import assert from "node:assert/strict";
import { budgetFor } from "./budget.ts";
import { ChildProcesses } from "./child_processes.ts";
import { CONTROL_POLICY, proposedRule } from "./rows_control.ts";
import { startApproval } from "./rows_approve.ts";
import type { BenchSetup } from "./setup.ts";
import { createTestCertificates } from "./test_ca.ts";
import type { UpstreamPorts } from "./upstream_servers.ts";

Deno.test("startProxyFleet() fleets started at once each follow their own gateway", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tollgate-fleet-test-" });
  await using stack = new AsyncDisposableStack();
  stack.defer(() => Deno.remove(dir, { recursive: true }));
  await using children = new ChildProcesses();
  // No request reaches an upstream here: the ports only fill in the policy.
  const upstreams = { httpPort: 9, httpsPort: 9 } as UpstreamPorts;
  const certs = await createTestCertificates(["bench.example"], dir);
  const setup: BenchSetup = { budget: budgetFor(true), certs, upstreams, dir };
  const [one, two] = await Promise.all([
    startApproval(setup, children, stack, 1, { name: "one" }),
    startApproval(setup, children, stack, 1, { name: "two" }),
  ]);
  assert.ok(one.ok && two.ok, "both gateways and fleets started");
  const submitted = await one.gateway.store.submit({
    policy: CONTROL_POLICY,
    ruleName: "fleet_test",
    rule: proposedRule("fleet-test", 443),
    rationale: "test",
  });
  assert.ok(submitted.accepted);
  const since = performance.timeOrigin + performance.now();
  const { revision } = await one.gateway.store.approve(submitted.proposal.id, {
    approvedBy: "test",
  });
  await one.fleet.enforcing(revision, 10_000, since);
  await assert.rejects(two.fleet.enforcing(revision, 300, since), /1 proxies not at revision/);
});
