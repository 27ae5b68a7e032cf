/**
 * A hostile agent proposing a host that reads harmless but is an address: `127.1`, `0x7f.1`,
 * `2130706433` and `0177.0.0.1` are 127.0.0.1 to a resolver (inet_aton, WHATWG URL), and
 * `::127.0.0.1` or `2002:7f00:1::1` carry it inside IPv6. They passed the submit checks and were
 * only refused at connect; now policy.local refuses them with a one-line reason naming the
 * address, and `policy validate` refuses such a file.
 */
import assert from "node:assert/strict";
import { withProxy } from "./openshell_fixtures.ts";
import { runCliIn, withPolicyWorkspace } from "./support/cli_harness.ts";

const DISGUISED = ["127.1", "0x7f.1", "2130706433", "0177.0.0.1", "127.0.0.01", "0x7f000001"];
const EMBEDDED = ["::127.0.0.1", "::ffff:0:7f00:1", "64:ff9b:1::7f00:1", "2002:7f00:1::1"];

const rule = (host: string) => ({
  endpoints: [{ host, port: 8080 }],
  binaries: [{ path: "/usr/bin/curl" }],
});

Deno.test("hostile numeric host: policy.local refuses hosts a resolver reads as a loopback address", () =>
  withProxy(async (h) => {
    for (const host of [...DISGUISED, ...EMBEDDED]) {
      const res = await h.call("/v1/proposals", {
        intent_summary: "reach the build cache",
        operations: [{ addRule: { ruleName: "cache", rule: rule(host) } }],
      });
      const said = JSON.stringify(res.json);
      assert.equal(res.json.accepted_chunks ?? 0, 0, `${host} was accepted: ${said}`);
      if (DISGUISED.includes(host)) {
        assert.match(
          said,
          /ends in a number, which resolvers read as the IPv4 address 127\.0\.0\.1/,
        );
      } else assert.match(said, /is a loopback address/, host);
    }
    // Names and plain addresses are judged as before.
    const ok = await h.call("/v1/proposals", {
      intent_summary: "reach the build cache",
      operations: [{ addRule: { ruleName: "cache", rule: rule("cache.example.com") } }],
    });
    assert.equal(ok.json.accepted_chunks, 1, JSON.stringify(ok.json));
    assert.equal((await h.store.list()).length, 1);
  }));

Deno.test("hostile numeric host: policy validate refuses a file naming 127.1, in one line", async () => {
  const text = `version: 1
network_policies:
  cache:
    endpoints: [{ host: "127.1", port: 8080 }]
    binaries: [{ path: /usr/bin/curl }]
`;
  await withPolicyWorkspace({ team: text }, async (dir) => {
    const { code, out, err } = await runCliIn(["policy", "validate", "policies/team.yaml"], dir);
    assert.equal(code, 1, out + err);
    assert.match(err + out, /team\.yaml:4:\d+.*"127\.1" ends in a number.*127\.0\.0\.1/);
  });
});
