/**
 * Hot reload end to end: an edit that allows, a revocation that stops a kept-alive
 * connection at its next request, a broken file that keeps the last good policy, and a blind
 * tunnel closed when its grant goes away.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  curl,
  startTestProxy,
  startTestUpstreams,
  type TestProxy,
  waitFor,
} from "./support/mod.ts";

const policy = (revision: number, access: string, extra = "") =>
  `version: 1
revision: ${revision}
network_policies:
  gh:
    endpoints:
      - { host: api.github.com, port: 443, protocol: rest, access: ${access} }
    binaries: [{ path: /usr/bin/curl }]
${extra}`;

async function writeAtomically(file: string, text: string): Promise<void> {
  const temporary = join(file, "..", `.${crypto.randomUUID()}.tmp`);
  await Deno.writeTextFile(temporary, text);
  await Deno.rename(temporary, file);
}

const configStates = (proxy: TestProxy) =>
  proxy.events
    .filter((e) => e.class_uid === 5019)
    .map((e) => (e.unmapped as { config_state: string }).config_state);

Deno.test("proxy reload: an edit allows at once, a broken file keeps the last good policy", async () => {
  const upstreams = await startTestUpstreams();
  const proxy = await startTestProxy({ policy: policy(1, "read-only"), upstreams, watch: true });
  const put = () =>
    curl(["https://api.github.com/repos/o/r/contents/x"], {
      proxyPort: proxy.port,
      caPath: proxy.caPath,
      args: ["-X", "PUT", "-d", "{}"],
    });
  try {
    assert.equal((await put()).status, 403);
    await writeAtomically(proxy.policyFile, policy(2, "read-write"));
    await waitFor(() => proxy.holder.generation === 2, "the reload");
    assert.equal((await put()).status, 200);

    await writeAtomically(proxy.policyFile, "version: 1\nnetwork_policies: [oops\n");
    await waitFor(() => configStates(proxy).length === 3, "the FAILED event");
    assert.deepEqual(configStates(proxy), ["LOADED", "LOADED", "FAILED"]);
    const failed = proxy.events.at(-1)!;
    assert.match(String(failed.message), /keeping revision 2/);
    assert.equal((failed.unmapped as { policy_version: number }).policy_version, 2);
    assert.equal(proxy.holder.generation, 2);
    assert.equal((await put()).status, 200, "the last good policy stays in force");
  } finally {
    await proxy.close();
    await upstreams.close();
  }
});

Deno.test("proxy reload: a revoked rule denies the next request on a kept-alive tunnel", async () => {
  const state: { holder?: TestProxy["holder"] } = {};
  // The upstream holds its first answer until the rule is revoked, so curl's second request
  // on the same kept-alive tunnel is the first one decided under the new policy.
  const upstreams = await startTestUpstreams({
    beforeResponse: (request) => {
      if (request.target !== "/first") return;
      const revoked = state.holder!.update(
        policy(2, "read-only").replace(
          "access: read-only",
          'rules: [{ allow: { method: GET, path: "/first" } }]',
        ),
      );
      assert.ok(revoked.ok);
    },
  });
  const proxy = await startTestProxy({ policy: policy(1, "read-only"), upstreams });
  state.holder = proxy.holder;
  try {
    const result = await curl(["https://api.github.com/first", "https://api.github.com/second"], {
      proxyPort: proxy.port,
      caPath: proxy.caPath,
    });
    assert.equal(result.transfers[0]!.status, 200);
    assert.equal(result.transfers[1]!.status, 403);
    assert.equal(result.transfers[1]!.newConnections, 0, "same kept-alive connection");
    assert.equal(JSON.parse(result.transfers[1]!.body).rule, "GET /second");
    assert.deepEqual(upstreams.requests.map((r) => r.target), ["/first"]);
  } finally {
    await proxy.close();
    await upstreams.close();
  }
});

Deno.test("proxy reload: a blind tunnel closes when its grant is revoked", async () => {
  const upstreams = await startTestUpstreams({ hosts: ["l4.example.com"] });
  const grant = `  tunnel:
    endpoints: [{ host: l4.example.com, port: 443 }]
    binaries: [{ path: ${JSON.stringify(Deno.execPath())} }]
`;
  const proxy = await startTestProxy({
    policy: policy(1, "read-only", grant),
    upstreams,
    httpsHosts: ["l4.example.com"],
  });
  try {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: proxy.port });
    await conn.write(
      new TextEncoder().encode(
        "CONNECT l4.example.com:443 HTTP/1.1\r\nHost: l4.example.com:443\r\n\r\n",
      ),
    );
    const buffer = new Uint8Array(4096);
    const n = await conn.read(buffer);
    assert.match(new TextDecoder().decode(buffer.subarray(0, n!)), /^HTTP\/1\.1 200/);
    const secure = await Deno.startTls(conn, {
      hostname: "l4.example.com",
      caCerts: [upstreams.caPem],
    });
    await secure.write(new TextEncoder().encode("GET /a HTTP/1.1\r\nHost: l4.example.com\r\n\r\n"));
    assert.ok((await secure.read(buffer))! > 0);
    assert.ok(proxy.holder.update(policy(2, "read-only")).ok);
    // The proxy closes the tunnel: the next read ends instead of hanging.
    const after = await secure.read(buffer).catch(() => null);
    assert.equal(after, null);
    secure.close();
    const last = proxy.events.at(-1)!;
    assert.equal(last.action_id, 2);
    assert.match(String(last.message), /CONNECT l4\.example\.com:443/);
  } finally {
    await proxy.close();
    await upstreams.close();
  }
});
