/**
 * `runSandbox()` with real processes in a network namespace: curl reaching an upstream only
 * through the proxy, identity across the bridge, the state directory hidden.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { detectIsolation, runSandbox } from "../proxy/sandbox/mod.ts";
import { startTestUpstreams } from "./support/test_upstreams.ts";
import {
  baseOptions,
  leftovers,
  POLICY_GITHUB_READ_ONLY,
  withState,
  withUpstream,
} from "./sandbox_fixtures.ts";

const netnsAvailable = (await detectIsolation()) === "netns";

Deno.test({
  name: "runSandbox() in netns mode: curl reaches the upstream only through the proxy",
  ignore: !netnsAvailable,
  fn: () =>
    withState((state) =>
      withUpstream(async (port) => {
        const out = join(state, "out");
        await Deno.mkdir(out);
        const script = [
          // The policy allows only /usr/bin/curl: success proves the proxy saw curl.
          `curl -sS -o ${out}/via-proxy.txt http://upstream.test:${port}/x`,
          `echo $? > ${out}/via-proxy.rc`,
          `curl -sS --noproxy '*' -m 3 http://127.0.0.1:${port}/x 2> ${out}/direct.err`,
          `echo $? > ${out}/direct.rc`,
          `env > ${out}/env.txt`,
        ].join("; ");
        const code = await runSandbox({
          ...await baseOptions(state, port),
          isolation: "netns",
          command: ["sh", "-c", script],
        });
        assert.equal(code, 0);
        assert.equal((await Deno.readTextFile(`${out}/via-proxy.rc`)).trim(), "0");
        assert.equal(await Deno.readTextFile(`${out}/via-proxy.txt`), "hello from upstream\n");
        // curl exit 7: connection refused. Only the bridge's port exists in the namespace.
        assert.equal((await Deno.readTextFile(`${out}/direct.rc`)).trim(), "7");
        const env = await Deno.readTextFile(`${out}/env.txt`);
        assert.match(env, /^HTTP_PROXY=http:\/\/127\.0\.0\.1:3128$/m);
        assert.deepEqual(await leftovers(state), []);
      })
    ),
});

Deno.test({
  name: "runSandbox() in netns mode: the proxy sees the real binary behind the bridge",
  ignore: !netnsAvailable,
  fn: () =>
    withState((state) =>
      withUpstream(async (port) => {
        const out = join(state, "body.json");
        const code = await runSandbox({
          ...await baseOptions(state, port, "/usr/bin/wget"),
          isolation: "netns",
          command: ["sh", "-c", `curl -sS -o ${out} http://upstream.test:${port}/x`],
        });
        assert.equal(code, 0);
        const body = JSON.parse(await Deno.readTextFile(out));
        assert.equal(body.error, "policy_denied");
        assert.equal(body.binary, "/usr/bin/curl");
        assert.match(body.detail, /binary '\/usr\/bin\/curl' not allowed/);
      })
    ),
});

Deno.test({
  name:
    "runSandbox() in netns mode: HTTPS is intercepted, trusted through the CA bundle, decided at L7",
  ignore: !netnsAvailable,
  fn: () =>
    withState(async (state) => {
      const upstreams = await startTestUpstreams();
      try {
        const out = join(state, "out");
        await Deno.mkdir(out);
        const url = "https://api.github.com/repos/o/r/contents/x.md";
        const script = [
          // No --cacert: curl must trust the Tollgate CA through CURL_CA_BUNDLE alone.
          `curl -sS -o ${out}/get.json ${url}; echo $? > ${out}/get.rc`,
          // A deny closes the connection before the request body is read: every 403 must still
          // reach curl through the bridge (no reset swallowing the answer).
          `curl -sS -X PUT -d "{}" -w "%{http_code}\\n" ${`-o /dev/null ${url} `.repeat(9)}\\`,
          `  -o ${out}/put.json ${url} > ${out}/put.codes 2> ${out}/put.err`,
        ].join("\n");
        const code = await runSandbox({
          ...await baseOptions(state, 443, "/usr/bin/curl", {
            policy: POLICY_GITHUB_READ_ONLY,
            resolve: [`api.github.com:443:127.0.0.1:${upstreams.httpsPort}`],
            upstreamCaFiles: [upstreams.caPath],
          }),
          isolation: "netns",
          command: ["sh", "-c", script],
        });
        assert.equal(code, 0);
        assert.equal((await Deno.readTextFile(`${out}/get.rc`)).trim(), "0");
        const got = JSON.parse(await Deno.readTextFile(`${out}/get.json`));
        assert.deepEqual([got.tls, got.method, got.target], [
          true,
          "GET",
          "/repos/o/r/contents/x.md",
        ]);
        const putCodes = (await Deno.readTextFile(`${out}/put.codes`)).trim().split("\n");
        assert.deepEqual(
          putCodes,
          Array(10).fill("403"),
          await Deno.readTextFile(`${out}/put.err`),
        );
        const denied = JSON.parse(await Deno.readTextFile(`${out}/put.json`));
        assert.deepEqual(
          [denied.error, denied.layer, denied.method, denied.binary],
          ["policy_denied", "l7", "PUT", "/usr/bin/curl"],
        );
        assert.equal(upstreams.requests.length, 1, "no PUT reached the upstream");
      } finally {
        await upstreams.close();
      }
    }),
});

Deno.test({
  name: "runSandbox() in netns mode hides the state directory and protects the policies",
  ignore: !netnsAvailable,
  fn: () =>
    withState(async (state) => {
      const out = join(state, "out.txt");
      const script = [
        `ls -A ${state}/.tollgate > ${out}`,
        `echo x >> ${state}/policies/p.yaml || echo read-only >> ${out}`,
        `grep -c CERTIFICATE "$SSL_CERT_FILE" >/dev/null && echo bundle >> ${out}`,
      ].join("; ");
      const code = await runSandbox({
        ...await baseOptions(state, 9),
        isolation: "netns",
        command: ["sh", "-c", script],
      });
      assert.equal(code, 0);
      // Only the sandboxes/ path to the CA files is left; the CA key and logs are not visible.
      assert.deepEqual((await Deno.readTextFile(out)).trim().split("\n"), [
        "sandboxes",
        "read-only",
        "bundle",
      ]);
    }),
});
