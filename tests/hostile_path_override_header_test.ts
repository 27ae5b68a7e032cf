/**
 * A header naming another path for the origin to route on: IIS URL Rewrite passes the URL it
 * rewrote as `X-Original-URL` (or `X-Rewrite-URL`), and Symfony before 5.x and Zend route on it
 * instead of the request line. A rule allowing `GET /public/**` then let an agent run
 * `/admin/...` on such an origin: the proxy judged the request line and forwarded the header.
 * Such a request (any spelling CGI-style servers read alike) is now refused 400 on every
 * inspected path: forward, intercepted HTTP/1.1 and HTTP/2.
 */
import assert from "node:assert/strict";
import { curl, withTestProxy } from "./support/mod.ts";

const POLICY = `version: 1
network_policies:
  public:
    endpoints:
      - { host: plain.example.com, port: 80, protocol: rest, rules: [{ allow: { method: GET, path: "/public/**" } }] }
      - { host: api.github.com, port: 443, protocol: rest, rules: [{ allow: { method: GET, path: "/public/**" } }] }
`;

Deno.test("hostile path override header: X-Original-URL and X-Rewrite-URL never reach the origin", async () => {
  await withTestProxy({ policy: POLICY }, async (proxy, upstreams) => {
    const ask = async (url: string, header: string, h2 = false) => {
      const args = ["-H", header, ...(h2 ? ["--http2"] : [])];
      const options = { proxyPort: proxy.port, caPath: proxy.caPath, args };
      const result = await curl([url], options);
      return { status: result.status, body: result.body };
    };
    const cases: [string, string, boolean][] = [
      ["http://plain.example.com/public/x", "X-Original-URL: /admin/delete", false],
      ["http://plain.example.com/public/x", "X_Rewrite_Url: /admin/delete", false],
      ["https://api.github.com/public/x", "x-original-url: /admin/delete", false],
      ["https://api.github.com/public/x", "X-Rewrite-URL: /admin/delete", true],
    ];
    for (const [url, header, h2] of cases) {
      const answer = await ask(url, header, h2);
      assert.equal(answer.status, 400, `${url} ${header}${h2 ? " (h2)" : ""}`);
      assert.match(JSON.parse(answer.body).detail, /names another path for the origin/);
    }
    assert.equal(upstreams.requests.length, 0, "an origin got a path override header");
    // Without the header, the same requests pass.
    assert.equal((await ask("https://api.github.com/public/x", "Accept: */*", true)).status, 200);
    assert.equal(upstreams.requests.length, 1);
  });
});
