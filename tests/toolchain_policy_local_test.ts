/**
 * policy.local from clients that do not go through the proxy variables, inside a netns sandbox:
 * Node 20 `fetch` (it reads no proxy variable; its connection is captured) and curl with a
 * `NO_PROXY` that lists `*` or `.local`. Their captured connection reaches the proxy as
 * `CONNECT policy.local:80`; before, that was decided as any host's and answered with a
 * `policy_denied` 403 whose next steps pointed at policy.local itself, so such an agent could
 * never read its denials or propose a rule.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { detectIsolation } from "../proxy/sandbox/mod.ts";
import { runScript } from "./toolchain_fixtures.ts";

const netns = (await detectIsolation()) === "netns";
if (!netns) console.error("toolchain_policy_local_test: skipped: needs network namespaces");

const FETCH = `const r = await fetch(process.argv[2]);
console.log(r.status, JSON.stringify(Object.keys(await r.json())));`;

const SCRIPT = `
unset HTTP_PROXY http_proxy HTTPS_PROXY https_proxy
step node node fetch.mjs 'http://policy.local/v1/denials?last=1'
step star env NO_PROXY='*' curl -sS -w ' %{http_code}' http://policy.local/v1/policy/current
step dot env NO_PROXY=.local curl -sS -o /dev/null -w '%{http_code}' http://policy.local/v1/skill
step tunnel curl -sS -p -x http://127.0.0.1:3128 -o /dev/null -w '%{http_code}' http://policy.local/v1/skill
`;

Deno.test({
  name: "toolchain: Node 20 fetch and curl with NO_PROXY=* reach policy.local from a netns sandbox",
  ignore: !netns,
  fn: async () => {
    const work = await Deno.makeTempDir({ prefix: "tg-plocal-" });
    try {
      await Deno.writeTextFile(join(work, "fetch.mjs"), FETCH);
      const run = await runScript(work, {
        policy: "version: 1\n",
        isolate: "netns",
        script: SCRIPT,
      });
      assert.equal(run.code, 0, run.stderr);
      const read = (name: string) => run.out[name] ?? "";
      for (const name of ["node", "star", "dot", "tunnel"]) {
        assert.equal(run.results[name], "0", `${name}: ${read(name)}`);
      }
      assert.equal(read("node"), '200 ["denials","log_available"]');
      const star = read("star");
      assert.match(star, / 200$/);
      assert.equal(JSON.parse(star.slice(0, star.lastIndexOf(" "))).format, "yaml");
      assert.equal(read("dot"), "200");
      assert.equal(read("tunnel"), "200");
    } finally {
      await Deno.remove(work, { recursive: true });
    }
  },
});
