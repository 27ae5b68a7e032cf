/**
 * A once rule allows one request, also when a method-override header is what reaches it. The
 * proxy decides an override (`X-HTTP-Method-Override: DELETE` on a POST) as the method the
 * origin may act as, so a POST that a durable grant allows with a DELETE that only a once rule
 * allows is that once rule's one use. Before, the decision named only the real method's rule:
 * the once rule was never spent and every such POST deleted again.
 */
import assert from "node:assert/strict";
import { leaseComment } from "../proxy/policy/mod.ts";
import { curl, startTestProxy, startTestUpstreams } from "./support/mod.ts";

const HOSTS = ["api.github.com"];

const policy = () =>
  `version: 1
network_policies:
  gh_write:
    endpoints:
      - { host: api.github.com, port: 443, protocol: rest, access: read-write }
    binaries: [{ path: /usr/bin/curl }]
  ${leaseComment({ scope: "once", expiresAt: Date.now() + 600_000 })}
  gh_delete_once:
    endpoints:
      - { host: api.github.com, port: 443, protocol: rest, rules: [{ allow: { method: DELETE, path: "/repos/o/r/issues/1" } }] }
    binaries: [{ path: /usr/bin/curl }]
`;

Deno.test("hostile once: a method override spends the once rule that allows the method it names", async () => {
  const upstreams = await startTestUpstreams({ hosts: HOSTS });
  const proxy = await startTestProxy({ policy: policy(), upstreams, httpsHosts: HOSTS });
  const spent: string[] = [];
  proxy.holder.onSpent((key) => spent.push(key));
  try {
    const url = "https://api.github.com/repos/o/r/issues/1";
    const send = async (args: string[]) =>
      (await curl([...args, url], { proxyPort: proxy.port, caPath: proxy.caPath })).status;
    const override = ["-X", "POST", "-H", "X-HTTP-Method-Override: DELETE", "-d", ""];
    assert.equal(await send(override), 200); // the once rule's one use
    assert.equal(await send(override), 403, "a spent once rule allowed the override again");
    assert.equal(await send(["-X", "DELETE"]), 403, "a spent once rule allowed a DELETE");
    assert.equal(await send(["-X", "POST", "-d", ""]), 200); // the durable grant still stands
    assert.deepEqual(spent, ["gh_delete_once"]);
    const deletes = upstreams.requests.filter((r) => /method-override/i.test(JSON.stringify(r)));
    assert.equal(deletes.length, 1, "the origin was asked to delete more than once");
  } finally {
    await proxy.close();
    await upstreams.close();
  }
});
