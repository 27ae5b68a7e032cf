/**
 * A path a Windows origin (IIS over NTFS) reads as a denied one: it drops a segment's trailing
 * dots and spaces, reads `admin::$INDEX_ALLOCATION` as the folder `admin` and `a.php::$DATA`
 * as the file, and finds `administrator` by its 8.3 short name `ADMINI~1`. Under `GET /**` with
 * a deny on `/administrator/**`, each spelling passed the deny and reached the origin. Deny
 * rules now judge that reading too (a short name fires every deny of its method); allows stay
 * exact, so no rule names the kind of origin.
 */
import assert from "node:assert/strict";
import { curl, withTestProxy } from "./support/mod.ts";

const POLICY = `version: 1
network_policies:
  site:
    endpoints:
      - host: plain.example.com
        port: 80
        protocol: rest
        rules: [{ allow: { method: GET, path: "/**" } }]
        deny_rules: [{ method: GET, path: "/administrator/**" }, { method: GET, path: "/web.config" }]
`;

const SPELLINGS = [
  "/administrator./users",
  "/administrator%20/users",
  "/Administrator.%20.%20/users",
  "/administrator::$INDEX_ALLOCATION/users",
  "/administrator:$I30:$INDEX_ALLOCATION/users",
  "/ADMINI~1/users",
  "/admini~1.%20/users",
  "/web.config.",
  "/web.config::$DATA",
  "/WEB~1.CON",
];

Deno.test("hostile windows path: a spelling Windows reads as a denied path is denied", async () => {
  await withTestProxy({ policy: POLICY }, async (proxy, upstreams) => {
    const get = async (path: string) => {
      const options = { proxyPort: proxy.port, args: ["--path-as-is", "-g"] };
      return (await curl([`http://plain.example.com${path}`], options)).status;
    };
    for (const path of SPELLINGS) assert.equal(await get(path), 403, path);
    assert.equal(upstreams.requests.length, 0, "an origin got a path a deny covers");
    // Other paths, dots and tildes included, still pass.
    for (const path of ["/public/a.txt", "/~alice/x", "/v1~beta/x", "/admin/x"]) {
      assert.equal(await get(path), 200, path);
    }
    assert.equal(upstreams.requests.length, 4);
  });
});
