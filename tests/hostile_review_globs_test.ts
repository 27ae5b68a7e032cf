/**
 * What a reviewer reads in a path glob is what a real proxy enforces: `/**\/public/*` names a
 * whole `public` segment, so it never admits `/notpublic/`.
 */
import assert from "node:assert/strict";
import { curl, startTestProxy, startTestUpstreams } from "./support/mod.ts";

const HOSTS = ["api.github.com"];
const POLICY = `version: 1
network_policies:
  public_files:
    endpoints:
      - host: api.github.com
        port: 443
        protocol: rest
        rules: [{ allow: { method: GET, path: "/repos/**/public/*" } }]
    binaries: [{ path: /usr/bin/curl }]
`;

Deno.test("hostile review globs: '/repos/**/public/*' allows a public segment, never '/notpublic/' or '/xpublic'", async () => {
  const upstreams = await startTestUpstreams({ hosts: HOSTS });
  const proxy = await startTestProxy({ policy: POLICY, upstreams, httpsHosts: HOSTS });
  try {
    const get = async (path: string) =>
      (await curl([`https://api.github.com${path}`], {
        proxyPort: proxy.port,
        caPath: proxy.caPath,
      })).status;
    assert.equal(await get("/repos/o/r/public/a.txt"), 200);
    assert.equal(await get("/repos/public/a.txt"), 200);
    assert.equal(await get("/repos/o/r/notpublic/a.txt"), 403);
    assert.equal(await get("/repos/xpublic/a.txt"), 403);
  } finally {
    await proxy.close();
    await upstreams.close();
  }
});
