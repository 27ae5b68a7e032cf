/**
 * What a proxy loads at start (#15: proxy RSS at 256 clients): every module a static import
 * reaches stays resident for the process's life, so the data plane's graph holds no package
 * that only a slow path or policy.local runs. The YAML packages load on first use
 * (`proxy/policy/yaml/_yaml_packages.ts`), and so does policy.local's Hono app
 * (`proxy/policy_local/policy_local_handler.ts`), and so does the proposal store of the embedded
 * `tollgate proxy`/`sandbox run` (`cli/_gateway_link.ts`), and so does the HTTP/2 side of
 * interception (`proxy/transport/h2/_load_h2_side.ts`); a fresh process proves that first use
 * works.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { evalWithProxyFlags } from "./support/eval_with_proxy_flags.ts";

const root = fileURLToPath(new URL("../", import.meta.url));

interface InfoModule {
  specifier: string;
  dependencies?: { code?: { specifier?: string }; isDynamic?: boolean }[];
}

/** Every specifier a static import reaches from `entry` (as Deno loads it at start). */
async function staticGraph(entry: string): Promise<string[]> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", entry],
    cwd: root,
    env: { NO_COLOR: "1" },
    stdout: "piped",
  }).output();
  const info = JSON.parse(new TextDecoder().decode(out.stdout)) as { modules: InfoModule[] };
  const modules = new Map(info.modules.map((m) => [m.specifier, m]));
  const reached = new Set<string>();
  const todo = [new URL(entry, `file://${root}`).href];
  while (todo.length > 0) {
    const specifier = todo.pop()!;
    if (reached.has(specifier)) continue;
    reached.add(specifier);
    for (const dep of modules.get(specifier)?.dependencies ?? []) {
      if (dep.code?.specifier && !dep.isDynamic) todo.push(dep.code.specifier);
    }
  }
  return [...reached];
}

Deno.test("the proxy's static module graph (proxy/mod.ts) holds no npm package", async () => {
  const graph = await staticGraph("proxy/mod.ts");
  // The transport reached proves the graph was read: an empty one would prove nothing.
  assert.ok(graph.some((s) => s.endsWith("/proxy/transport/mod.ts")), graph.join(" "));
  // Neither yaml, js-yaml nor hono: each is loaded the first time it is needed.
  assert.deepEqual(graph.filter((s) => s.startsWith("npm:")), []);
});

Deno.test("parsePolicy() loads the YAML packages on first use, in a fresh process", async () => {
  // Each text takes one path: an alias (js-yaml), then an invalid file (yaml, with positions),
  // then a comment given twice (yaml's document walk, which skips scalars holding its words).
  const { json } = await evalWithProxyFlags(`
    import { parsePolicy } from "./proxy/policy/mod.ts";
    const alias = parsePolicy("version: &v 1\\nrevision: *v\\n", "a.yaml");
    const bad = parsePolicy("version: 1\\nnetwork_policies: [\\n", "b.yaml");
    const twice = "version: 1\\n# tollgate-revision: 4\\n# tollgate-revision: 5\\n";
    const comment = parsePolicy(twice, "c.yaml");
    console.log(JSON.stringify({
      alias: alias.policy?.revision,
      bad: bad.issues.map((i) => [i.line, i.col]),
      comment: comment.issues.map((i) => [i.line, i.col]),
    }));
  `);
  assert.equal(json.alias, 1);
  assert.deepEqual(json.bad, [[3, 1]]);
  assert.deepEqual(json.comment, [[3, 1]]);
});

Deno.test("policyLocalHandler() loads the app on the first request, in a fresh process", async () => {
  const { json } = await evalWithProxyFlags(`
    import { policyLocalHandler } from "./proxy/policy_local/mod.ts";
    import { PolicyHolder } from "./proxy/mod.ts";
    const handler = policyLocalHandler({
      policyName: "demo",
      sandboxId: "sb-demo",
      policy: PolicyHolder.fromText("demo", "demo.yaml", "version: 1\\n# tollgate-revision: 7\\n"),
      logDir: "/nonexistent",
      skill: () => Promise.resolve("# skill\\n"),
    });
    // Two at once: both wait for the one load, and both are answered by the same app.
    const [skill, current] = await Promise.all([
      handler.request("http://policy.local/v1/skill"),
      handler.fetch(new Request("http://policy.local/v1/policy/current")),
    ]);
    const missing = await handler.request("http://policy.local/v1/nothing");
    console.log(JSON.stringify({
      skill: [skill.status, await skill.text()],
      revision: (await current.json()).revision,
      missing: missing.status,
    }));
  `);
  assert.deepEqual(json, { skill: [200, "# skill\n"], revision: 7, missing: 404 });
});

Deno.test("an embedded proxy's link opens the proposal store on the first proposal call", async () => {
  // Deno's debug log names each module as it is read: the store's must come after the link.
  const dir = await Deno.makeTempDir();
  await Deno.mkdir(`${dir}/policies`);
  await Deno.writeTextFile(`${dir}/policies/p.yaml`, "version: 1\n");
  const flags = { policy: "p", policiesDir: `${dir}/policies`, stateDir: `${dir}/state` };
  const script = `
    import { gatewayLink } from "./cli/_gateway_link.ts";
    const link = await gatewayLink(${JSON.stringify(flags)}, {});
    console.error("LINKED");
    console.error("STATUS " + JSON.stringify(await link.sink.status("p-0001") ?? null));
  `;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--log-level=debug", script],
    cwd: root,
    env: { NO_COLOR: "1", RUST_BACKTRACE: "0" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  await Deno.remove(dir, { recursive: true });
  const log = new TextDecoder().decode(out.stderr);
  assert.ok(out.success, log.slice(-2000));
  const store = log.indexOf("specifier: file://" + root + "gateway/store/mod.ts");
  const [linked, answered] = [log.indexOf("LINKED"), log.indexOf("STATUS null")];
  assert.ok(linked > 0 && answered > linked, "the link was made and the store answered");
  assert.ok(store > linked && store < answered, `store read at ${store}, linked at ${linked}`);
});

Deno.test("the proxy's static module graph holds no node:http2: the h2 side loads at the first h2 client", async () => {
  const graph = await staticGraph("proxy/mod.ts");
  assert.ok(
    graph.some((s) => s.endsWith("/proxy/transport/intercept/intercept.ts")),
    graph.join(" "),
  );
  // node:http2 and the h2 modules hold some 4 MB in a proxy that only ever sees HTTP/1.1.
  const h2 = ["node:http2", "/h2_intercept.ts", "/h2_server.ts", "/h2_upstream.ts"];
  assert.deepEqual(graph.filter((s) => h2.some((end) => s.endsWith(end))), []);
});

// The first h2 client of a fresh process waits for the load: its session must still be served
// (the client's first frames arrive while the module loads), allowed and denied alike.
for (const host of ["api.github.com", "denied.example"]) {
  Deno.test(`the first h2 client of a fresh proxy process is served (${host})`, async () => {
    const { json } = await evalWithProxyFlags(`
      import { nodeH2Requests, withTestProxy } from "./tests/support/mod.ts";
      const policy = "version: 1\\nnetwork_policies:\\n  gh:\\n    endpoints: [{ host: api.github.com, port: 443, protocol: rest, access: read-only }]\\n    binaries: [{ path: /usr/bin/node }]\\n";
      await withTestProxy({ policy }, async (proxy) => {
        // An in-band denial ends the session after its first stream: one request there.
        const get = [{ method: "GET", path: "/repos/o/r" }, { method: "DELETE", path: "/x" }];
        const host = ${JSON.stringify(host)};
        const asked = host === "denied.example" ? get.slice(0, 1) : get;
        const result = await nodeH2Requests(proxy.port, host, proxy.caPath, asked);
        const statuses = result.responses.map((r) => r.status);
        const layers = result.responses.map((r) => r.status === 403 ? JSON.parse(r.body).layer : "-");
        console.log(JSON.stringify({ alpn: result.alpn, statuses, layers }));
      });
    `);
    const expected = host === "denied.example"
      ? { alpn: "h2", statuses: [403], layers: ["l4"] }
      : { alpn: "h2", statuses: [200, 403], layers: ["-", "l7"] };
    assert.deepEqual(json, expected);
  });
}
