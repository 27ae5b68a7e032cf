/**
 * The agent's real toolchain through the proxy (issue #13 item 3): a CONNECT denied at L4 is
 * answered in-band, so that curl, wget, Python and git show the structured 403.
 */
import assert from "node:assert/strict";
import * as net from "node:net";
import * as tls from "node:tls";
import { join } from "node:path";
import { curl, rawRequest } from "./support/mod.ts";
import { denials, proxyEnv, runClean, withProxy } from "./toolchain_fixtures.ts";

Deno.test("toolchain #13.3: curl -s on a host outside the policy prints the structured 403 (l4), one denial on record", async () => {
  await withProxy(async (proxy, upstreams) => {
    const result = await curl(["https://denied.example/some/path?token=x"], {
      proxyPort: proxy.port,
      caPath: proxy.caPath,
    });
    assert.equal(result.exitCode, 0, result.stderr);
    assert.equal(result.status, 403);
    assert.equal(result.headers["content-type"], "application/json");
    const body = JSON.parse(result.body);
    assert.equal(body.error, "policy_denied");
    assert.equal(body.layer, "l4");
    assert.equal(body.rule, "CONNECT denied.example:443");
    assert.equal(body.binary, "/usr/bin/curl");
    assert.deepEqual(body.rule_missing, {
      type: "l4_allow",
      layer: "l4",
      host: "denied.example",
      port: 443,
      binary: "/usr/bin/curl",
    });
    assert.equal(upstreams.connections(), 0);
    assert.deepEqual(denials(proxy).map((e) => e.status_detail), [
      "endpoint denied.example:443 not in policy",
    ]);
  });
});

Deno.test("toolchain #13.3: a wrong binary is told in-band too, and wget shows the body with --content-on-error", async () => {
  await withProxy(async (proxy, upstreams) => {
    const viaCurl = await curl(["https://wget.example.com/"], {
      proxyPort: proxy.port,
      caPath: proxy.caPath,
    });
    assert.equal(viaCurl.status, 403);
    assert.equal(JSON.parse(viaCurl.body).policy, "wget_only");
    const viaWget = await runClean("wget", [
      "-q",
      "-O",
      "-",
      "--content-on-error",
      `--ca-certificate=${proxy.caPath}`,
      "https://api.github.com/repos/o/r",
    ], proxyEnv(proxy));
    assert.equal(viaWget.code, 8, viaWget.stderr);
    const body = JSON.parse(viaWget.stdout);
    assert.equal(body.layer, "l4");
    assert.equal(body.binary, "/usr/bin/wget");
    assert.equal(upstreams.connections(), 0);
  });
});

Deno.test("toolchain #13.3: Python urllib reads the structured 403 from the HTTPError", async () => {
  await withProxy(async (proxy) => {
    const script = [
      "import urllib.request, urllib.error, json",
      "try:",
      "    urllib.request.urlopen('https://denied.example/x')",
      "except urllib.error.HTTPError as e:",
      "    print(e.code, json.loads(e.read())['rule'])",
      "    print(e.reason)",
    ].join("\n");
    const result = await runClean("python3", ["-c", script], {
      ...proxyEnv(proxy),
      SSL_CERT_FILE: proxy.caPath,
      PATH: `/root/.pyenv/shims:/usr/local/bin:/usr/bin:/bin`,
      HOME: Deno.env.get("HOME") ?? "/root",
    });
    const [status, reason] = result.stdout.trim().split("\n");
    assert.equal(status, "403 CONNECT denied.example:443", result.stderr);
    assert.equal(
      reason,
      "Forbidden by Tollgate policy, see http://policy.local/v1/denials and http://policy.local/v1/skill",
    );
  });
});

Deno.test("toolchain #13.3: git clone shows remote: lines naming the policy, the missing rule and the next steps", async () => {
  await withProxy(async (proxy) => {
    const home = await Deno.makeTempDir({ prefix: "tollgate-git-home-" });
    try {
      const result = await runClean(
        "git",
        ["clone", "https://denied.example/o/r.git", join(home, "r")],
        {
          ...proxyEnv(proxy),
          HOME: home,
          GIT_SSL_CAINFO: proxy.caPath,
          GIT_CONFIG_NOSYSTEM: "1",
          GIT_TERMINAL_PROMPT: "0",
        },
      );
      assert.equal(result.code, 128);
      const remote = result.stderr.split("\n").filter((l) => l.startsWith("remote: "));
      assert.ok(remote.length >= 4, result.stderr);
      const text = remote.join("\n");
      assert.match(text, /policy_denied: CONNECT denied\.example:443/);
      assert.match(text, /missing rule: l4_allow denied\.example:443 for binary \//);
      assert.match(text, /http:\/\/policy\.local\/v1\/skill/);
      assert.match(text, /http:\/\/policy\.local\/v1\/proposals/);
      const json = remote.find((l) => l.startsWith("remote: {"));
      assert.equal(JSON.parse(json!.slice("remote: ".length)).layer, "l4");
    } finally {
      await Deno.remove(home, { recursive: true });
    }
  });
});

Deno.test("toolchain #13.3: a tls: skip host keeps the CONNECT 403; an SSRF refusal stays a CONNECT 403", async () => {
  await withProxy(async (proxy, upstreams) => {
    const skip = await curl(["https://skip.example.com/"], {
      proxyPort: proxy.port,
      caPath: proxy.caPath,
    });
    assert.equal(skip.exitCode, 56, "curl reports the refused CONNECT");
    const ssrf = await curl(["https://localhost/"], {
      proxyPort: proxy.port,
      caPath: proxy.caPath,
    });
    assert.equal(ssrf.exitCode, 56);
    const raw = await rawRequest(
      proxy.port,
      "CONNECT skip.example.com:443 HTTP/1.1\r\nHost: skip.example.com:443\r\n\r\n",
    );
    assert.equal(raw.status, 403);
    assert.equal(JSON.parse(raw.body).layer, "l4");
    assert.equal(upstreams.connections(), 0);
  });
});

Deno.test("toolchain #13.3: plain HTTP inside a denied CONNECT gets the JSON 403 in the clear", async () => {
  await withProxy(async (proxy, upstreams) => {
    const response = await rawRequest(proxy.port, [
      "CONNECT denied.example:80 HTTP/1.1\r\nHost: denied.example:80\r\n\r\n",
      "GET /ws HTTP/1.1\r\nHost: denied.example\r\n\r\n",
    ], {
      until: (raw) => raw.includes("}") && raw.lastIndexOf("HTTP/1.1 403") > 0,
    });
    assert.match(response.head, /^HTTP\/1\.1 200 /);
    const inner = response.raw.slice(response.raw.indexOf("HTTP/1.1 403"));
    const body = JSON.parse(inner.slice(inner.indexOf("\r\n\r\n") + 4));
    assert.equal(body.rule, "CONNECT denied.example:80");
    assert.equal(denials(proxy).length, 1);
    assert.equal(upstreams.connections(), 0);
  });
});

/** CONNECT, TLS, one GET, read the answer, then reset the connection (as pip does). */
async function resetAfterAnswer(proxyPort: number, caPath: string): Promise<string> {
  const raw = net.connect(proxyPort, "127.0.0.1");
  raw.on("error", () => {});
  await new Promise((resolve) => raw.once("connect", resolve));
  raw.write("CONNECT denied.example:443 HTTP/1.1\r\nHost: denied.example:443\r\n\r\n");
  await new Promise((resolve) => raw.once("data", resolve));
  const secure = tls.connect({
    socket: raw,
    servername: "denied.example",
    ca: await Deno.readTextFile(caPath),
  });
  secure.on("error", () => {});
  secure.write("GET / HTTP/1.1\r\nHost: denied.example\r\n\r\n");
  let answer = "";
  await new Promise<void>((resolve) => {
    secure.on("data", (chunk) => {
      answer += chunk;
      if (answer.includes("}")) resolve();
    });
    secure.once("close", () => resolve());
  });
  const closed = new Promise((resolve) => raw.once("close", resolve));
  raw.resetAndDestroy();
  await closed;
  return answer;
}

Deno.test("toolchain #13.3: a client that resets after reading the in-band 403 does not bring the proxy down", async () => {
  await withProxy(async (proxy) => {
    for (let i = 0; i < 3; i++) {
      assert.match(await resetAfterAnswer(proxy.port, proxy.caPath), /^HTTP\/1\.1 403 /);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    const after = await curl(["https://denied.example/"], {
      proxyPort: proxy.port,
      caPath: proxy.caPath,
    });
    assert.equal(after.status, 403);
  });
});

Deno.test({
  name:
    "toolchain #13.3: gh, which prints only an API error's message, names the refusal and the skill",
  ignore: !(await Deno.stat("/usr/bin/gh").then(() => true, () => false)),
  fn: () =>
    withProxy(async (proxy, upstreams) => {
      const home = await Deno.makeTempDir({ prefix: "tg-gh-home-" });
      try {
        const result = await runClean("gh", ["repo", "view", "cli/cli"], {
          ...proxyEnv(proxy),
          SSL_CERT_FILE: proxy.caPath,
          HOME: home,
          GH_TOKEN: "not-a-token",
          GH_NO_UPDATE_NOTIFIER: "1",
        });
        assert.notEqual(result.code, 0);
        // Before: "HTTP 403 (https://api.github.com/graphql)", nothing more.
        assert.match(
          result.stderr,
          /^HTTP 403: Tollgate policy denied CONNECT api\.github\.com:443 for \/usr\/bin\/gh: binary '\/usr\/bin\/gh' not allowed in policy 'gh_ro'; read http:\/\/policy\.local\/v1\/skill to propose a rule \(https:\/\/api\.github\.com\/graphql\)$/m,
        );
        assert.equal(upstreams.connections(), 0);
      } finally {
        await Deno.remove(home, { recursive: true });
      }
    }),
});
