/**
 * Issue #13, the sandbox side: real clients inside a real `runSandbox()` netns sandbox trust
 * the Tollgate CA with no flags (the system trust store is covered), clients that ignore the
 * proxy variables are captured (transparent mode) and decided like proxied ones, and the only
 * UDP that leaves a client is DNS to the sandbox's own answerer.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { CertificateAuthority, startProxyService } from "../proxy/mod.ts";
import { detectIsolation, runSandbox } from "../proxy/sandbox/mod.ts";
import { startTestUpstreams, type TestUpstreams } from "./support/mod.ts";
import { policyYaml, PYTHON } from "./toolchain_fixtures.ts";

const netnsAvailable = (await detectIsolation()) === "netns";

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

interface RunExtra {
  onLog?: (line: string) => void;
  isolation?: "netns" | "env";
}

interface Sandbox {
  state: string;
  out: string;
  upstreams: TestUpstreams;
  run(script: string, extra?: RunExtra): Promise<number>;
}

async function withSandbox(fn: (sandbox: Sandbox) => Promise<void>): Promise<void> {
  const state = await Deno.makeTempDir({ prefix: "tg-tool-" });
  const upstreams = await startTestUpstreams();
  try {
    const stateDir = join(state, ".tollgate");
    const policiesDir = join(state, "policies");
    const out = join(state, "out");
    await Deno.mkdir(out);
    await Deno.mkdir(policiesDir);
    await Deno.writeTextFile(join(policiesDir, "p.yaml"), policyYaml());
    const ca = await CertificateAuthority.loadOrCreate(stateDir);
    const run = (script: string, extra: RunExtra = {}) =>
      runSandbox({
        command: ["sh", "-c", script],
        isolation: "netns",
        stateDir,
        caPem: ca.certPem,
        readOnly: [policiesDir],
        env: { PATH: Deno.env.get("PATH"), HOME: state },
        cwd: state,
        stdio: "null",
        ...extra,
        startProxy: () =>
          startProxyService({
            policy: "p",
            policiesDir,
            stateDir,
            ca,
            resolve: [
              `api.github.com:443:127.0.0.1:${upstreams.httpsPort}`,
              `example.com:443:127.0.0.1:${upstreams.httpsPort}`,
              `plain.test:80:127.0.0.1:${upstreams.httpPort}`,
              `example.com:80:127.0.0.1:${upstreams.httpPort}`,
            ],
            upstreamCaFiles: [upstreams.caPath],
            skillPath: "/tollgate/skills/policy_advisor.md",
          }),
      });
    await fn({ state, out, upstreams, run });
  } finally {
    await upstreams.close();
    await Deno.remove(state, { recursive: true });
  }
}

const read = (path: string) => Deno.readTextFile(path).then((t) => t.trim());

Deno.test({
  name: "toolchain #13.1: wget and python urllib trust the Tollgate CA with no flags",
  ignore: !netnsAvailable || !exists(PYTHON) || !exists("/usr/bin/wget"),
  fn: () =>
    withSandbox(async ({ out, run, upstreams }) => {
      const url = "https://api.github.com/zen";
      const python = [
        "import ssl, urllib.request",
        // No CA variable at all: only the system trust store can vouch for the proxy.
        "ssl._create_default_https_context = ssl.create_default_context",
        `print(urllib.request.urlopen("${url}").status)`,
      ].join("\n");
      const script = [
        `wget -q -O ${out}/wget.json ${url}; echo $? > ${out}/wget.rc`,
        `env -u SSL_CERT_FILE -u REQUESTS_CA_BUNDLE ${PYTHON} -c '${python}' > ${out}/py.txt` +
        ` 2> ${out}/py.err; echo $? > ${out}/py.rc`,
        // Without the proxy variables curl connects directly: the trust store still vouches.
        `env -u CURL_CA_BUNDLE -u SSL_CERT_FILE curl -sS -o /dev/null -w '%{http_code}'` +
        ` ${url} > ${out}/curl.txt 2>&1`,
      ].join("\n");
      assert.equal(await run(script), 0);
      assert.equal(await read(`${out}/wget.rc`), "0", "wget trusts the CA");
      assert.equal(JSON.parse(await read(`${out}/wget.json`)).tls, true);
      assert.equal(await read(`${out}/py.rc`), "0", await read(`${out}/py.err`));
      assert.equal(await read(`${out}/py.txt`), "200");
      assert.equal(await read(`${out}/curl.txt`), "200");
      assert.equal(upstreams.requests.length, 3);
    }),
});

Deno.test({
  name: "toolchain #13.1: in env mode wget trusts the CA through the wgetrc it is given",
  ignore: !exists("/usr/bin/wget"),
  fn: () =>
    withSandbox(async ({ out, run }) => {
      const script = `wget -q -O ${out}/wget.json https://api.github.com/zen; echo $? > ${out}/rc`;
      assert.equal(await run(script, { isolation: "env", onLog: () => {} }), 0);
      assert.equal(await read(`${out}/rc`), "0");
      assert.equal(JSON.parse(await read(`${out}/wget.json`)).tls, true);
    }),
});

Deno.test({
  name:
    "toolchain #13.2: curl --noproxy '*' and Node 20 fetch (no agent) are captured: allowed reach the origin, denied get the 403",
  ignore: !netnsAvailable || !exists("/usr/bin/node"),
  fn: () =>
    withSandbox(async ({ state, out, run, upstreams }) => {
      const node = join(state, "fetch.mjs");
      await Deno.writeTextFile(
        node,
        [
          "const [url, method = 'GET'] = process.argv.slice(2);",
          "try {",
          "  const r = await fetch(url, { method, body: method === 'GET' ? undefined : '{}' });",
          "  console.log(r.status, await r.text());",
          "} catch (e) { console.log('error', e.cause?.code ?? e.message); }",
        ].join("\n"),
      );
      const gh = "https://api.github.com/repos/o/r";
      const direct = "curl -sS --noproxy '*' -w '\\n%{http_code}'";
      const script = [
        `${direct} ${gh} > ${out}/curl-get.txt 2>&1`,
        `${direct} -X PUT -d '{}' ${gh} > ${out}/curl-put.txt 2>&1`,
        `${direct} http://example.com/x > ${out}/curl-l4.txt 2>&1`,
        `${direct} http://plain.test/p > ${out}/curl-plain.txt 2>&1`,
        `node ${node} ${gh} > ${out}/node-get.txt 2>&1`,
        `node ${node} ${gh} PUT > ${out}/node-put.txt 2>&1`,
        `node ${node} https://example.com/y > ${out}/node-l4.txt 2>&1`,
      ].join("\n");
      assert.equal(await run(script), 0);
      const lines = async (name: string) => (await read(`${out}/${name}`)).split("\n");
      const [getBody, getCode] = await lines("curl-get.txt");
      assert.equal(getCode, "200", getBody);
      assert.deepEqual(JSON.parse(getBody!).target, "/repos/o/r");
      const [putBody, putCode] = await lines("curl-put.txt");
      assert.equal(putCode, "403");
      const denied = JSON.parse(putBody!);
      assert.deepEqual(
        [denied.error, denied.layer, denied.method, denied.binary, denied.host],
        ["policy_denied", "l7", "PUT", "/usr/bin/curl", "api.github.com"],
      );
      // Plain HTTP on port 80: the L4 denial is the answer to curl's own request.
      const [l4Body, l4Code] = await lines("curl-l4.txt");
      assert.equal(l4Code, "403");
      assert.deepEqual([JSON.parse(l4Body!).layer, JSON.parse(l4Body!).host], [
        "l4",
        "example.com",
      ]);
      const [plainBody, plainCode] = await lines("curl-plain.txt");
      assert.equal(plainCode, "200", plainBody);
      const nodeGet = await read(`${out}/node-get.txt`);
      assert.match(nodeGet, /^200 /, nodeGet);
      const nodePut = await read(`${out}/node-put.txt`);
      assert.match(nodePut, /^403 /, nodePut);
      assert.equal(JSON.parse(nodePut.slice(4)).binary, "/usr/bin/node");
      // An L4 denial inside TLS, in-band: Node reads the 403 like any other.
      const nodeL4 = await read(`${out}/node-l4.txt`);
      assert.match(nodeL4, /^403 /, nodeL4);
      assert.deepEqual(
        [JSON.parse(nodeL4.slice(4)).layer, JSON.parse(nodeL4.slice(4)).binary],
        ["l4", "/usr/bin/node"],
      );
      const targets = upstreams.requests.map((r) => `${r.method} ${r.target}`);
      assert.deepEqual(targets, ["GET /repos/o/r", "GET /p", "GET /repos/o/r"]);
    }),
});

Deno.test({
  name: "toolchain #13.2: UDP to anything but the sandbox's DNS answerer fails",
  ignore: !netnsAvailable || !exists(PYTHON),
  fn: () =>
    withSandbox(async ({ out, run }) => {
      const python = [
        "import socket",
        "def probe(address):",
        "    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)",
        "    s.settimeout(0.5)",
        "    try:",
        "        s.sendto(b'x', address)",
        "        s.recvfrom(512)",
        "        return 'answered'",
        "    except OSError as error:",
        "        return type(error).__name__",
        "print(socket.gethostbyname('anything.example'))",
        "print(probe(('8.8.8.8', 53)))",
        "print(probe(('198.18.0.1', 53)))",
        "print(probe(('127.0.0.1', 9)))",
      ].join("\n");
      assert.equal(await run(`${PYTHON} -c "${python}" > ${out}/udp.txt 2>&1`), 0);
      const [resolved, ...probes] = (await read(`${out}/udp.txt`)).split("\n");
      assert.match(resolved!, /^198\.1[89]\.\d+\.\d+$/);
      for (const result of probes) assert.notEqual(result, "answered");
      assert.equal(probes.length, 3);
    }),
});
