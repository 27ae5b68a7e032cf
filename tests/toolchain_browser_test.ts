/**
 * Headless Chromium inside `tollgate sandbox run`, as Playwright starts it (`--headless
 * --no-sandbox`), with no flag of Tollgate's: it trusts the sandbox's CA (netns mode), goes
 * through the proxy, and shows the agent a denial it can read in `--dump-dom`, for the page
 * itself and for what the page's script `fetch()`es from a second host.
 */
import assert from "node:assert/strict";
import { detectIsolation } from "../proxy/sandbox/mod.ts";
import { runScript, serveOrigin } from "./toolchain_fixtures.ts";

const netns = (await detectIsolation()) === "netns";
if (!netns) console.error("toolchain_browser_test: netns mode skipped: needs network namespaces");
const CHROMIUM = await Deno.stat("/usr/lib/chromium/chromium").then(() => true, () => false);
if (!CHROMIUM) {
  console.error("toolchain_browser_test: skipped: Debian's chromium is not installed");
}

const HOSTS = ["page.test", "api.test", "denied.test"];

const POLICY = `version: 1
network_policies:
  browse:
    endpoints:
      - { host: page.test, port: 443, protocol: rest, access: read-only }
      - { host: api.test, port: 443, protocol: rest, access: read-only }
    binaries: [{ path: /usr/lib/chromium/chromium }]
`;

/** The page's script: what each fetch() got, written into the page for `--dump-dom`. */
const PAGE = `<!doctype html><title>agent page</title><pre id="out"></pre><script>
const out = document.getElementById("out");
const ask = async (name, url, init) => {
  try {
    const r = await fetch(url, init);
    out.textContent += name + " " + r.status + " " + (await r.text()) + "\\n";
  } catch (e) {
    out.textContent += name + " error " + e.message + "\\n";
  }
};
(async () => {
  await ask("get", "https://api.test/data");
  await ask("post", "https://api.test/data", { method: "POST", body: "x" });
  await ask("other", "https://denied.test/data");
  out.textContent += "done\\n";
})();
</script>`;

const CORS = { "access-control-allow-origin": "*" };

const FLAGS = "--headless --no-sandbox --virtual-time-budget=15000 --dump-dom";
const SCRIPT = `
step page sh -c 'chromium ${FLAGS} https://page.test/ 2>err-page'
step denied sh -c 'chromium ${FLAGS} https://denied.test/ 2>err-denied'
`;

/** Env mode shows no file: the CA's key named on the command line (README "Env mode"). */
const SPKI =
  `spki=$(openssl x509 -in "$DENO_CERT" -pubkey -noout | openssl pkey -pubin -outform der |
  openssl dgst -sha256 -binary | base64)
step page_untrusted sh -c 'chromium ${FLAGS} https://page.test/ 2>&1'
step page sh -c "chromium --ignore-certificate-errors-spki-list=$spki ${FLAGS} https://page.test/ 2>err-page"
`;

async function browse(isolate: "netns" | "env") {
  const work = await Deno.makeTempDir({ prefix: "tg-browser-" });
  const origin = await serveOrigin(work, HOSTS, (request, host) => {
    if (host === "page.test") {
      return new Response(PAGE, { headers: { "content-type": "text/html" } });
    }
    return Response.json({ host, method: request.method }, { headers: CORS });
  });
  try {
    const run = await runScript(work, {
      policy: POLICY,
      isolate,
      script: isolate === "netns" ? SCRIPT : SPKI,
      origin: { ...origin, hosts: HOSTS },
    });
    assert.equal(run.code, 0, run.stderr);
    return { ...run, seen: origin.seen };
  } finally {
    await origin.shutdown();
    await Deno.remove(work, { recursive: true });
  }
}

/** What the page's script got from each fetch(), in `--dump-dom`. */
function checkPage(run: { out: Record<string, string>; seen: string[] }): void {
  const page = run.out.page ?? "";
  assert.match(page, /get 200 \{"host":"api.test","method":"GET"\}/, page);
  // The proxy's 403 carries no CORS header: the script cannot read it, only that it failed.
  assert.match(page, /post error Failed to fetch/, page);
  assert.match(page, /other error Failed to fetch/, page);
  assert.match(page, /done/);
  assert.ok(run.seen.includes("api.test GET /data"), `${run.seen}`);
  assert.ok(!run.seen.some((key) => key.startsWith("api.test POST")), `${run.seen}`);
}

Deno.test({
  name:
    "toolchain browser (netns): headless chromium trusts the sandbox CA, its page's fetch() reaches a second host, and denials read in --dump-dom",
  ignore: !netns || !CHROMIUM,
  fn: async () => {
    const run = await browse("netns");
    checkPage(run);
    // A denied page: the structured 403 is the page's text.
    const denied = run.out.denied ?? "";
    assert.match(denied, /"error":"policy_denied"/, denied);
    assert.match(
      denied,
      /Tollgate policy denied CONNECT denied\.test:443 for \/usr\/lib\/chromium/,
    );
  },
});

Deno.test({
  name:
    "toolchain browser (env mode): chromium reads the proxy variables; it trusts the CA only when named by its key (--ignore-certificate-errors-spki-list)",
  ignore: !CHROMIUM,
  fn: async () => {
    const run = await browse("env");
    assert.match(run.out.page_untrusted ?? "", /ERR_CERT_AUTHORITY_INVALID/);
    checkPage(run);
  },
});
