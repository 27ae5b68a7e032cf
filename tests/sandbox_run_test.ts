/**
 * `runSandbox()` with real processes: curl inside a network namespace reaching an upstream
 * only through the proxy, identity across the bridge, exit status, and nothing left behind.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { CertificateAuthority } from "../proxy/mod.ts";
import { detectIsolation, runSandbox } from "../proxy/sandbox/mod.ts";
import { startProxyService } from "../proxy/mod.ts";
import { startTestUpstreams } from "./support/test_upstreams.ts";

const netnsAvailable = (await detectIsolation()) === "netns";

const POLICY_GITHUB_READ_ONLY = [
  "version: 1",
  "network_policies:",
  "  gh_ro:",
  "    endpoints:",
  "      - { host: api.github.com, port: 443, protocol: rest, access: read-only }",
  "    binaries: [{ path: /usr/bin/curl }]",
  "",
].join("\n");

/** A policy letting `binary` read `upstream.test:PORT` (L7, read-only). */
function policyFor(binary: string, port: number): string {
  return [
    "version: 1",
    "network_policies:",
    "  upstream:",
    "    endpoints:",
    `      - { host: upstream.test, port: ${port}, protocol: rest, access: read-only }`,
    `    binaries: [{ path: ${binary} }]`,
    "",
  ].join("\n");
}

async function withUpstream(fn: (port: number) => Promise<void>): Promise<void> {
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    () => new Response("hello from upstream\n"),
  );
  try {
    await fn(server.addr.port);
  } finally {
    await server.shutdown();
  }
}

async function withState(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "tg-sbx-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** runSandbox() options with the real proxy of `sandbox run` for policy `p.yaml`. */
async function baseOptions(
  state: string,
  port: number,
  binary = "/usr/bin/curl",
  extra: { policy?: string; resolve?: string[]; upstreamCaFiles?: string[] } = {},
) {
  const stateDir = join(state, ".tollgate");
  const policiesDir = join(state, "policies");
  await Deno.mkdir(policiesDir, { recursive: true });
  await Deno.writeTextFile(join(policiesDir, "p.yaml"), extra.policy ?? policyFor(binary, port));
  const ca = await CertificateAuthority.loadOrCreate(stateDir);
  return {
    stateDir,
    caPem: ca.certPem,
    readOnly: [policiesDir],
    skillPath: "/tollgate/skills/policy_advisor.md",
    env: { PATH: Deno.env.get("PATH") },
    cwd: state,
    stdio: "null" as const,
    startProxy: () =>
      startProxyService({
        policy: "p",
        policiesDir,
        stateDir,
        ca,
        resolve: extra.resolve ?? [`upstream.test:${port}:127.0.0.1`],
        upstreamCaFiles: extra.upstreamCaFiles,
        skillPath: "/tollgate/skills/policy_advisor.md",
      }),
  };
}

async function leftovers(state: string): Promise<string[]> {
  const found: string[] = [];
  try {
    for await (const entry of Deno.readDir(join(state, ".tollgate", "sandboxes"))) {
      found.push(entry.name);
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  const ps = await new Deno.Command("ps", { args: ["-eo", "args"], stdout: "piped" }).output();
  for (const line of new TextDecoder().decode(ps.stdout).split("\n")) {
    if (line.includes("netns_forwarder.ts") && line.includes(state)) found.push(line);
  }
  return found;
}

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

Deno.test({
  name: "runSandbox() returns the command's exit status and leaves nothing running",
  ignore: !netnsAvailable,
  fn: () =>
    withState(async (state) => {
      // A duration no other run uses: another checkout's copy of this test may be running.
      const sleep = `sleep 300.${crypto.getRandomValues(new Uint32Array(1))[0]}`;
      const code = await runSandbox({
        ...await baseOptions(state, 9),
        isolation: "netns",
        // A background process must not outlive the sandbox either.
        command: ["sh", "-c", `${sleep} & exit 7`],
      });
      assert.equal(code, 7);
      assert.deepEqual(await leftovers(state), []);
      const ps = await new Deno.Command("pgrep", { args: ["-f", `^${sleep}$`] }).output();
      assert.equal(ps.code, 1, "the background sleep was killed with the namespace");
    }),
});

Deno.test({
  name: "runSandbox() stops the command when its signal aborts",
  ignore: !netnsAvailable,
  fn: () =>
    withState(async (state) => {
      const stop = new AbortController();
      const marker = join(state, "started");
      const running = runSandbox({
        ...await baseOptions(state, 9),
        isolation: "netns",
        signal: stop.signal,
        graceMs: 200,
        command: ["sh", "-c", `touch ${marker}; sleep 301`],
      });
      while (!(await Deno.stat(marker).then(() => true, () => false))) await delay(20);
      stop.abort();
      // The shell is the namespace's init and ignores SIGTERM: SIGKILL after the grace time.
      assert.equal(await running, 137);
      assert.deepEqual(await leftovers(state), []);
      const ps = await new Deno.Command("pgrep", { args: ["-f", "^sleep 301$"] }).output();
      assert.equal(ps.code, 1);
    }),
});

Deno.test("runSandbox() in env mode sets every variable, warns, and proxies with identity", () =>
  withState((state) =>
    withUpstream(async (port) => {
      const logs: string[] = [];
      const out = join(state, "env.txt");
      const body = join(state, "body.txt");
      const code = await runSandbox({
        ...await baseOptions(state, port),
        isolation: "env",
        command: ["sh", "-c", `env > ${out}; curl -sS -o ${body} http://upstream.test:${port}/`],
        onLog: (line) => logs.push(line),
      });
      assert.equal(code, 0);
      assert.equal(await Deno.readTextFile(body), "hello from upstream\n");
      const env = Object.fromEntries(
        (await Deno.readTextFile(out)).trim().split("\n").map((l) => l.split(/=(.*)/s).slice(0, 2)),
      );
      const proxy = env.HTTP_PROXY as string;
      assert.match(proxy, /^http:\/\/127\.0\.0\.1:\d+$/);
      for (const key of ["HTTPS_PROXY", "http_proxy", "https_proxy"]) assert.equal(env[key], proxy);
      assert.equal(env.NO_PROXY, "127.0.0.1,localhost,::1");
      assert.equal(env.no_proxy, "127.0.0.1,localhost,::1");
      for (
        const key of ["SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "GIT_SSL_CAINFO"]
      ) {
        assert.match(env[key]!, /\/sandboxes\/sb-[0-9a-f]{8}\/public\/ca-bundle\.pem$/, key);
      }
      for (const key of ["NODE_EXTRA_CA_CERTS", "DENO_CERT"]) {
        assert.match(env[key]!, /\/public\/tollgate-ca\.pem$/, key);
      }
      assert.equal(env.TOLLGATE_SKILL, "/tollgate/skills/policy_advisor.md");
      assert.equal(logs.length, 1);
      assert.match(logs[0]!, /nothing stops the command from connecting directly/);
      assert.deepEqual(await leftovers(state), []);
    })
  ));

Deno.test("runSandbox() refuses a command that does not exist", () =>
  withState(async (state) => {
    await assert.rejects(
      runSandbox({ ...await baseOptions(state, 9), isolation: "env", command: ["no-such-tool-x"] }),
      /Command "no-such-tool-x" not found/,
    );
    assert.deepEqual(await leftovers(state), []);
  }));

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
