/**
 * What a proxy loads at start (#15: proxy RSS at 256 clients): every module a static import
 * reaches stays resident for the process's life, so the data plane's graph holds no package
 * that only a slow path or the control plane runs. The YAML packages load on first use
 * (`proxy/policy/_yaml_packages.ts`); a fresh process proves that first use still works.
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

Deno.test("the proxy's static module graph (proxy/mod.ts) holds no YAML package", async () => {
  const graph = await staticGraph("proxy/mod.ts");
  // The transport reached proves the graph was read: an empty one would prove nothing.
  assert.ok(graph.some((s) => s.endsWith("/proxy/transport/mod.ts")), graph.join(" "));
  const packages = graph.filter((s) => s.startsWith("npm:"));
  assert.deepEqual(packages.filter((s) => /yaml/.test(s)), []);
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
