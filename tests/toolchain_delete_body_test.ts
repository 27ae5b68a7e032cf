/**
 * Real tools that send a body with DELETE, through the proxy where a rule allows the DELETE:
 * `gh api -X DELETE … -f message=m -f sha=s` (GitHub's delete-a-file API), curl and Node's
 * `http` client. Before, each got `400 A DELETE request must not carry a body`; and where no
 * rule allows it, the agent got that 400 instead of the structured 403.
 */
import assert from "node:assert/strict";
import { curl, type RecordedRequest, type TestUpstreams } from "./support/mod.ts";
import { proxyEnv, runClean, withProxy } from "./toolchain_fixtures.ts";

const POLICY = `version: 1
network_policies:
  gh_contents:
    endpoints:
      - host: api.github.com
        port: 443
        protocol: rest
        rules:
          - allow: { method: DELETE, path: "/repos/o/r/contents/**" }
      - host: plain.example.com
        port: 80
        protocol: rest
        rules:
          - allow: { method: DELETE, path: "/repos/o/r/contents/**" }
    binaries: [{ path: /usr/bin/gh }, { path: /usr/bin/curl }, { path: /usr/bin/node }]
`;
const hasGh = await Deno.stat("/usr/bin/gh").then(() => true, () => false);

/** The DELETEs the upstream got, with their body and `Connection` field. */
function deletes(upstreams: TestUpstreams): [string, string, string | undefined][] {
  return upstreams.requests.filter((r: RecordedRequest) => r.method === "DELETE").map((
    r,
  ) => [r.target, r.body, upstreams.header(r, "connection")]);
}

Deno.test({
  name: "toolchain delete body: gh api -X DELETE with -f fields (a JSON body) reaches the origin",
  ignore: !hasGh,
  fn: () =>
    withProxy(async (proxy, upstreams) => {
      const home = await Deno.makeTempDir({ prefix: "tg-gh-home-" });
      try {
        const args = ["api", "-X", "DELETE", "repos/o/r/contents/x.md", "-f", "message=m"];
        const result = await runClean("gh", [...args, "-f", "sha=s"], {
          ...proxyEnv(proxy),
          SSL_CERT_FILE: proxy.caPath,
          HOME: home,
          GH_TOKEN: "not-a-token",
          GH_NO_UPDATE_NOTIFIER: "1",
        });
        assert.equal(result.code, 0, result.stderr);
        assert.equal(JSON.parse(result.stdout).method, "DELETE");
        const [[target, body, connection]] = deletes(upstreams) as [[string, string, string]];
        assert.equal(target, "/repos/o/r/contents/x.md");
        assert.deepEqual(JSON.parse(body), { message: "m", sha: "s" });
        assert.equal(connection, "close");
      } finally {
        await Deno.remove(home, { recursive: true });
      }
    }, POLICY),
});

Deno.test("toolchain delete body: curl DELETE with a JSON body, plain and over HTTPS; a denied one gets the structured 403", async () => {
  await withProxy(async (proxy, upstreams) => {
    const json = '{"message":"m","sha":"s"}';
    const args = ["-X", "DELETE", "-H", "Content-Type: application/json", "-d", json];
    const urls = [
      "https://api.github.com/repos/o/r/contents/x.md",
      "http://plain.example.com/repos/o/r/contents/x.md",
    ];
    for (const url of urls) {
      const result = await curl([url], { proxyPort: proxy.port, caPath: proxy.caPath, args });
      assert.equal(result.status, 200, `${url}: ${result.body}`);
    }
    const denied = await curl(["https://api.github.com/repos/o/r"], {
      proxyPort: proxy.port,
      caPath: proxy.caPath,
      args,
    });
    assert.equal(denied.status, 403);
    assert.equal(JSON.parse(denied.body).error, "policy_denied");
    assert.deepEqual(deletes(upstreams), [
      ["/repos/o/r/contents/x.md", json, "close"],
      ["/repos/o/r/contents/x.md", json, "close"],
    ]);
  }, POLICY);
});

Deno.test("toolchain delete body: Node's http client sends a DELETE with a body through the proxy", async () => {
  await withProxy(async (proxy, upstreams) => {
    const script = `
const http = require("node:http");
const body = JSON.stringify({ message: "m", sha: "s" });
const req = http.request({
  host: "127.0.0.1", port: ${proxy.port}, method: "DELETE",
  path: "http://plain.example.com/repos/o/r/contents/x.md",
  // Node frames no DELETE body by itself (it sends neither length nor chunked for DELETE):
  // clients (axios, the GitHub and Kubernetes SDKs) set the length, as here.
  headers: { host: "plain.example.com", "content-type": "application/json",
    "content-length": Buffer.byteLength(body) },
}, (res) => { res.resume(); res.on("end", () => console.log(res.statusCode)); });
req.end(body);`;
    const result = await runClean("node", ["-e", script], {});
    assert.equal(result.stdout.trim(), "200", result.stderr);
    assert.deepEqual(deletes(upstreams), [
      ["/repos/o/r/contents/x.md", '{"message":"m","sha":"s"}', "close"],
    ]);
  }, POLICY);
});
