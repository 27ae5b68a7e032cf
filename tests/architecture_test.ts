/**
 * The import rules of ARCHITECTURE.md and STYLE.md, checked from the import lines themselves.
 */
import assert from "node:assert/strict";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const SOURCE_DIRS = ["proxy", "gateway", "cli", "scripts"];

async function sourceFiles(dir: string): Promise<string[]> {
  const files: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory && entry.name !== "testdata") files.push(...await sourceFiles(path));
    else if (entry.isFile && entry.name.endsWith(".ts")) files.push(path);
  }
  return files;
}

function relativeImports(text: string): string[] {
  const specifiers = [...text.matchAll(/(?:import|export)[^"';]*?from\s+"(\.[^"]+)"/g)];
  return specifiers.map((m) => m[1]!);
}

async function allImports(): Promise<{ from: string; to: string }[]> {
  const edges: { from: string; to: string }[] = [];
  for (const dir of SOURCE_DIRS) {
    for (const file of await sourceFiles(join(root, dir))) {
      const text = await Deno.readTextFile(file);
      for (const spec of relativeImports(text)) {
        edges.push({
          from: relative(root, file),
          to: relative(root, resolve(dirname(file), spec)),
        });
      }
    }
  }
  return edges;
}

const isTest = (path: string) => path.endsWith("_test.ts");

/** The files a file loads when it runs: static imports and re-exports, not `import type`. */
async function runtimeImports(file: string): Promise<string[]> {
  const code = (await Deno.readTextFile(join(root, file))).replace(/^\s*(\*|\/\/).*$/gm, "");
  const specifiers = [
    ...code.matchAll(/(?:import|export)(?!\s+type\b)[^"';]*?from\s+"(\.[^"]+)"/g),
  ];
  return specifiers.map((m) => relative(root, resolve(dirname(join(root, file)), m[1]!)));
}

/** Every file loaded, transitively, when `entry` starts (computed dynamic imports excluded). */
async function loadedFiles(entry: string): Promise<Set<string>> {
  const seen = new Set<string>();
  const todo = [entry];
  while (todo.length > 0) {
    const file = todo.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    todo.push(...await runtimeImports(file));
  }
  return seen;
}

Deno.test("architecture: the proxy never imports the gateway, the CLI or scripts", async () => {
  const bad = (await allImports()).filter((e) =>
    e.from.startsWith("proxy/") && /^(gateway|cli|scripts)\//.test(e.to)
  );
  assert.deepEqual(bad, []);
});

Deno.test("architecture: no product file imports from scripts/ or tests/", async () => {
  // Tests beside the code may use tests/support; the product itself never leans on the
  // bench or the test helpers (#18 item 11).
  const bad = (await allImports()).filter((e) =>
    /^(proxy|gateway|cli)\//.test(e.from) && !isTest(e.from) && /^(scripts|tests)\//.test(e.to)
  );
  assert.deepEqual(bad, []);
});

Deno.test("architecture: product modules export no bench-only names", async () => {
  const exported: string[] = [];
  for (const dir of ["proxy", "gateway", "cli"]) {
    for (const file of await sourceFiles(join(root, dir))) {
      if (!file.endsWith("/mod.ts")) continue;
      const text = await Deno.readTextFile(file);
      for (const name of ["syntheticPolicy", "LOG_BATCH_MS"]) {
        if (new RegExp(`\\b${name}\\b`).test(text)) {
          exported.push(`${relative(root, file)}: ${name}`);
        }
      }
    }
  }
  assert.deepEqual(exported, []);
});

Deno.test("architecture: a proxy linked to a gateway loads only the gateway client", async () => {
  // The embedded store is imported on demand (cli/_gateway_link.ts), never at start-up.
  const loaded = [...await loadedFiles("cli/proxy_command.ts")];
  const gateway = loaded.filter((f) => f.startsWith("gateway/")).sort();
  assert.deepEqual(gateway.filter((f) => !f.startsWith("gateway/client/")), []);
  assert.ok(gateway.includes("gateway/client/gateway_client.ts"));
});

Deno.test("architecture: other folders import a module only through its mod.ts", async () => {
  const bad = (await allImports()).filter((e) => {
    if (isTest(e.from) || !/^(proxy|gateway)\//.test(e.to)) return false;
    // A folder may use its own files, its subfolders' mod.ts, and its parent folders' files.
    const [from, to] = [dirname(e.from), dirname(e.to)];
    const inside = from === to || from.startsWith(to + "/");
    return !inside && !e.to.endsWith("/mod.ts");
  });
  assert.deepEqual(bad, []);
});

Deno.test("architecture: _private files are used only inside their folder", async () => {
  const bad = (await allImports()).filter((e) =>
    /\/_[^/]+\.ts$/.test(e.to) && !dirname(e.from).startsWith(dirname(e.to))
  );
  assert.deepEqual(bad, []);
});

Deno.test("architecture: no console output from the proxy and gateway libraries", async () => {
  const offenders: string[] = [];
  for (const dir of ["proxy", "gateway"]) {
    for (const file of await sourceFiles(join(root, dir))) {
      if (isTest(file) || file.includes("/sandbox/")) continue;
      const code = (await Deno.readTextFile(file)).replace(/^\s*(\*|\/\/).*$/gm, "");
      if (/console\.(log|error|warn|info)\(/.test(code)) offenders.push(relative(root, file));
    }
  }
  assert.deepEqual(offenders, []);
});
