import assert from "node:assert/strict";
import { join } from "node:path";
import { curlArgs } from "./support/mod.ts";
import { notesProposal } from "./gateway_fixtures.ts";
import { withProxyOnGateway } from "./proxy_on_gateway.ts";

Deno.test("tollgate proxy --gateway takes its policy and reloads from the gateway", async () => {
  await withProxyOnGateway(async ({ gateway, policiesDir, stateDir, port, output }) => {
    assert.match(output(), /listening on 127\.0\.0\.1:\d+ \(policy demo, revision 0\)/);
    const proxy = ["-x", `http://127.0.0.1:${port}`];
    const submitted = await curlArgs([
      ...proxy,
      "--data-binary",
      JSON.stringify(notesProposal()),
      "http://policy.local/v1/proposals",
    ]);
    assert.equal(submitted.status, 202, submitted.body);
    const [id] = JSON.parse(submitted.body).accepted_chunk_ids;
    // The proposal went to the gateway's directory, not to the proxy's (empty) one.
    await Deno.stat(join(policiesDir, "pending", `${id}.patch`));
    const waited = curlArgs([...proxy, `http://policy.local/v1/proposals/${id}/wait?timeout=30`]);
    await gateway.store.approve(id, { approvedBy: "test" });
    const decision = JSON.parse((await waited).body);
    assert.equal(decision.status, "approved");
    assert.equal(decision.policy_reloaded, true);
    const current = await curlArgs([...proxy, "http://policy.local/v1/policy/current"]);
    assert.equal(JSON.parse(current.body).revision, 1);
    // The proxy enrolled a sandbox credential of its own with the host's token.
    assert.equal((await proxyCredentials(stateDir)).length, 1);
  }, async ({ stateDir }) => {
    // ...and gave it back when it stopped.
    assert.deepEqual(await proxyCredentials(stateDir), []);
  });
});

async function proxyCredentials(stateDir: string): Promise<string[]> {
  const found: string[] = [];
  for await (const entry of Deno.readDir(join(stateDir, "credentials"))) {
    const text = await Deno.readTextFile(join(stateDir, "credentials", entry.name));
    if (JSON.parse(text).role === "proxy") found.push(entry.name);
  }
  return found;
}
