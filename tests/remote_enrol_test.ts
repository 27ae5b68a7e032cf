/**
 * A proxy's sandbox id across gateways (#19): a proxy that fails over to a gateway that does
 * not know its credential is enrolled there under the same id, so it still reads its own
 * proposals; a gateway with another host token refuses that id.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import {
  GatewayClient,
  GatewayError,
  GatewayPool,
  readGatewayToken,
  type RunningGateway,
  startGateway,
} from "../gateway/mod.ts";
import { makeRemote, ruleProposal } from "./remote_support.ts";

async function gatewayOn(dir: string, name: string, url: string): Promise<RunningGateway> {
  return await startGateway({
    policiesDir: join(dir, name),
    stateDir: join(dir, `${name}-state`),
    listen: "127.0.0.1:0",
    remote: { url, fetchIntervalMs: 200 },
  });
}

Deno.test("remote #19: a proxy failing over to a gateway with its own state keeps its sandbox id and reads its proposals there; another host token cannot claim the id", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tollgate-remote-enrol-" });
  const bare = await makeRemote(dir);
  // Gateways A and B share the host token (copied), not their state directories.
  const a = await gatewayOn(dir, "a", `file://${bare}`);
  await Deno.mkdir(join(dir, "b-state"));
  await Deno.copyFile(join(dir, "a-state", "gateway.token"), join(dir, "b-state", "gateway.token"));
  const b = await gatewayOn(dir, "b", `file://${bare}`);
  const c = await gatewayOn(dir, "c", `file://${bare}`);
  let aOpen = true;
  try {
    const hostToken = await readGatewayToken(join(dir, "a-state"));
    const pool = await GatewayPool.enrol({
      urls: [a.url, b.url],
      hostToken,
      policy: "team",
      retryMs: 20,
    });
    const submitted = await pool.submit(ruleProposal("api", "api.example.com"));
    assert.ok(submitted.accepted);
    const id = submitted.proposal.id;
    await a.close();
    aOpen = false;
    // B learns of the proposal from the remote; the pool, enrolled anew at B, may read it.
    const end = Date.now() + 20_000;
    let status = await pool.status(id);
    while (status === undefined && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 100));
      status = await pool.status(id);
    }
    assert.equal(status?.status, "pending", "the proxy cannot read its own proposal at B");
    assert.equal(status.sandbox, pool.sandboxId);
    // Gateway C has its own host token: the same id is not its to give.
    const other = new GatewayClient({ url: c.url, token: c.token });
    await assert.rejects(
      () => other.enrol("team", pool.sandboxId),
      (e: unknown) => e instanceof GatewayError && e.status === 403,
    );
    await pool.retire();
  } finally {
    if (aOpen) await a.close();
    await b.close();
    await c.close();
    await Deno.remove(dir, { recursive: true });
  }
});
