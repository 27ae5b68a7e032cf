/**
 * Issue #12, item 14: two proxies of one policy on one store, for sandboxes A and B: B reads
 * neither A's proposals nor its denials through policy.local.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ProposalStore } from "../gateway/mod.ts";
import { startProxyService } from "../proxy/mod.ts";
import { curlArgs } from "./support/mod.ts";
import { makeRepo, putProposal, type TempRepo } from "./gateway_fixtures.ts";

const LOCAL = "http://policy.local";

/** Two proxies (sandboxes A and B) for "team" on one state directory and one store. */
async function withTwoProxies(
  fn: (a: string[], b: string[], repo: TempRepo) => Promise<void>,
): Promise<void> {
  const repo = await makeRepo();
  const stateDir = join(repo.root, ".tollgate");
  const options = {
    policy: "team",
    policiesDir: repo.policies,
    stateDir,
    sink: new ProposalStore({ policiesDir: repo.policies }),
  };
  const a = await startProxyService(options);
  const b = await startProxyService(options);
  try {
    await fn(["-x", `http://127.0.0.1:${a.port}`], ["-x", `http://127.0.0.1:${b.port}`], repo);
  } finally {
    await a.close();
    await b.close();
    await repo.cleanup();
  }
}

const AGENT_PROPOSAL = {
  intent_summary: "write x.md",
  operations: [{ addRule: { ruleName: "put_x", rule: putProposal().rule } }],
};

Deno.test("hostile #14: sandbox B cannot read sandbox A's proposal through policy.local", () =>
  withTwoProxies(async (a, b) => {
    const body = JSON.stringify(AGENT_PROPOSAL);
    const submitted = await curlArgs([...a, "--data-binary", body, `${LOCAL}/v1/proposals`]);
    assert.equal(submitted.status, 202, submitted.body);
    // A rejected chunk would otherwise surface as a puzzling 404 on "/v1/proposals/undefined".
    const [id] = JSON.parse(submitted.body).accepted_chunk_ids;
    assert.ok(id, `no accepted chunk: ${submitted.body}`);
    const own = await curlArgs([...a, `${LOCAL}/v1/proposals/${id}`]);
    assert.equal(own.status, 200, own.body);
    for (const path of [`/v1/proposals/${id}`, `/v1/proposals/${id}/wait?timeout=5`]) {
      const theirs = await curlArgs([...b, `${LOCAL}${path}`]);
      assert.equal(theirs.status, 404, `${path}: ${theirs.body}`);
      assert.equal(JSON.parse(theirs.body).error, "chunk_not_found");
    }
  }));

Deno.test("hostile #14: denials of proxy A do not show in proxy B's /v1/denials", () =>
  withTwoProxies(async (a, b) => {
    const denied = await curlArgs([...a, "http://blocked.example/secret-path"]);
    assert.equal(denied.status, 403, denied.body);
    const mine = JSON.parse((await curlArgs([...a, `${LOCAL}/v1/denials`])).body);
    assert.deepEqual(mine.denials.map((d: { host: string }) => d.host), ["blocked.example"]);
    const theirs = JSON.parse((await curlArgs([...b, `${LOCAL}/v1/denials`])).body);
    assert.deepEqual(theirs.denials, []);
  }));
