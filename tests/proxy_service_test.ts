/**
 * `startProxyService()` options that the CLI does not set but other compositions need.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { startProxyService } from "../proxy/mod.ts";

Deno.test("startProxyService() decides on the injected requester identity", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.mkdir(join(dir, "policies"));
  await Deno.writeTextFile(join(dir, "policies", "p.yaml"), "version: 1\n");
  const service = await startProxyService({
    policy: "p",
    policiesDir: join(dir, "policies"),
    stateDir: join(dir, "state"),
    identity: { resolve: () => Promise.resolve({ exe: "/opt/fixed/agent", ancestors: [] }) },
  });
  const client = Deno.createHttpClient({ proxy: { url: `http://127.0.0.1:${service.port}` } });
  try {
    const res = await fetch("http://example.com/", { client });
    assert.equal(res.status, 403);
    // The deny body names the requester the decision was made for.
    assert.equal((await res.json()).binary, "/opt/fixed/agent");
  } finally {
    client.close();
    await service.close();
    await Deno.remove(dir, { recursive: true });
  }
});
