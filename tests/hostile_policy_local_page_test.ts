/**
 * A web page against policy.local: headless Chromium inside `tollgate sandbox run` opens a page
 * the policy lets it read, and the page's script posts a proposal to http://policy.local the
 * way any site can post cross-site (`mode: "no-cors"`, a text/plain body, no preflight). The
 * page is not the agent: it must not propose in the sandbox's name (a proposal that fits an
 * auto-approve pattern would be approved with nobody asking), while the sandbox's own programs
 * still do.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { detectIsolation } from "../proxy/sandbox/mod.ts";
import { runScript } from "./toolchain_fixtures.ts";

const netns = (await detectIsolation()) === "netns";
if (!netns) console.error("hostile_policy_local_page_test: netns mode skipped: no namespaces");
const CHROMIUM = await Deno.stat("/usr/lib/chromium/chromium").then(() => true, () => false);
if (!CHROMIUM) console.error("hostile_policy_local_page_test: skipped: no Debian chromium");

const POLICY = `version: 1
network_policies:
  browse:
    endpoints:
      - { host: page.test, port: 80, protocol: rest, access: read-only }
    binaries: [{ path: /usr/lib/chromium/chromium }]
`;

const proposal = (name: string) =>
  JSON.stringify({
    intent_summary: `${name} wants more`,
    operations: [{
      addRule: {
        ruleName: name,
        rule: {
          endpoints: [{
            host: `${name}.example`,
            port: 443,
            protocol: "rest",
            access: "read-only",
          }],
          binaries: [{ path: "/usr/bin/curl" }],
        },
      },
    }],
  });

/** The page: one cross-site POST (a form would do the same), then what it could tell. */
const PAGE = `<!doctype html><title>a page</title><pre id="out"></pre><script>
const out = document.getElementById("out");
fetch("http://policy.local/v1/proposals", {
  method: "POST", mode: "no-cors", headers: { "content-type": "text/plain" },
  body: ${JSON.stringify(proposal("from_page"))},
}).then((r) => { out.textContent += "sent " + r.type + "\\n"; },
  (e) => { out.textContent += "error " + e.message + "\\n"; })
  .finally(() => { out.textContent += "done\\n"; });
</script>`;

const FLAGS = "--headless --no-sandbox --virtual-time-budget=15000 --dump-dom";

Deno.test({
  name:
    "hostile policy.local page (netns): a page's cross-site POST to policy.local proposes nothing; the sandbox's curl still does",
  ignore: !netns || !CHROMIUM,
  fn: async () => {
    const work = await Deno.makeTempDir({ prefix: "tg-page-" });
    const server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen: () => {} },
      () => new Response(PAGE, { headers: { "content-type": "text/html" } }),
    );
    try {
      await Deno.writeTextFile(join(work, "own.json"), proposal("from_curl"));
      const run = await runScript(work, {
        policy: POLICY,
        isolate: "netns",
        args: ["--resolve", `page.test:80:127.0.0.1:${server.addr.port}`],
        script: `step page sh -c 'chromium ${FLAGS} http://page.test/ 2>err-page'
step own curl -sS -H 'Content-Type: application/json' --data-binary @own.json http://policy.local/v1/proposals
`,
      });
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.out.page ?? "", /done/, run.out.page);
      assert.match(run.out.own ?? "", /"accepted_chunks":1/, run.out.own);
      const pending = join(work, "policies", "pending");
      const patches: string[] = [];
      for await (const entry of Deno.readDir(pending)) {
        if (entry.name.endsWith(".patch")) {
          patches.push(await Deno.readTextFile(join(pending, entry.name)));
        }
      }
      assert.equal(patches.length, 1, patches.join("\n---\n"));
      assert.match(patches[0]!, /from_curl/);
    } finally {
      await server.shutdown();
      await Deno.remove(work, { recursive: true });
    }
  },
});
