/**
 * End to end, real curl through the proxy: a binary with a plain L4 grant and an L7 grant on
 * the same host:port is inspected, and only the L7 rules judge its requests, as OpenShell's
 * Rego reads such a policy (the connection's config comes from the endpoint with a protocol;
 * a plain endpoint has no rules to allow a request).
 */
import assert from "node:assert/strict";
import { curl, withTestProxy } from "./support/mod.ts";

const POLICY = `version: 1
network_policies:
  host_any:
    endpoints: [{ host: code.example.com, port: 443 }]
    binaries: [{ path: /usr/bin/curl }]
  host_read:
    endpoints:
      - { host: code.example.com, port: 443, protocol: rest, access: read-only }
    binaries: [{ path: /usr/bin/curl }]
`;
const HOSTS = ["code.example.com"];

Deno.test("openshell: a plain L4 grant beside an L7 grant for the same binary is inspected; a write is refused at L7", async () => {
  await withTestProxy(
    { policy: POLICY, httpsHosts: HOSTS, upstreamHosts: HOSTS },
    async (proxy, upstreams) => {
      // Trusting only the proxy's CA: the GET works only if the proxy terminated TLS.
      const options = { proxyPort: proxy.port, caPath: proxy.caPath };
      const read = await curl(["https://code.example.com/o/r.git/info/refs"], options);
      assert.equal(read.exitCode, 0, read.stderr);
      assert.equal(read.status, 200);
      const write = await curl(["https://code.example.com/o/r.git/git-receive-pack"], {
        ...options,
        args: ["-X", "POST", "-d", "x"],
      });
      assert.equal(write.status, 403);
      const body = JSON.parse(write.body);
      assert.equal(body.layer, "l7");
      assert.equal(body.detail, "POST /o/r.git/git-receive-pack not permitted by policy");
      assert.deepEqual(upstreams.requests.map((r) => r.method), ["GET"]);
    },
  );
});
