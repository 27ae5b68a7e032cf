/**
 * The import rules of ARCHITECTURE.md and STYLE.md for the whole tree, checked from the import
 * lines themselves; the layer rules inside the proxy are in architecture_layers_test.ts.
 */
import assert from "node:assert/strict";
import { dirname, join, relative } from "node:path";
import {
  allImports,
  codeEdges,
  cycles,
  isTest,
  loadedFiles,
  root,
  sourceFiles,
} from "./import_graph.ts";

/** The longest a .ts file may be (STYLE: files of at most 250 lines, tests included). */
const MAX_LINES = 250;

/** The .ts files Git tracks, or would track (untracked and not ignored), outside node_modules. */
async function trackedTsFiles(): Promise<string[]> {
  const args = ["ls-files", "-z", "--cached", "--others", "--exclude-standard", "*.ts"];
  const { stdout } = await new Deno.Command("git", { args, cwd: root, stdout: "piped" }).output();
  const files = new TextDecoder().decode(stdout).split("\0");
  return [...new Set(files)].filter((f) => f !== "" && !f.startsWith("node_modules/"));
}

Deno.test("architecture: every tracked .ts file, tests included, is at most 250 lines", async () => {
  // #18 asked for one clear codebase: a long file is split by theme, never let grow.
  const long: string[] = [];
  for (const file of await trackedTsFiles()) {
    // A file deleted in the working tree but still in the index has no length to check.
    const text = await Deno.readTextFile(join(root, file)).catch(() => "");
    const lines = text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
    if (lines > MAX_LINES) long.push(`${file}: ${lines} lines`);
  }
  assert.deepEqual(long, []);
});

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
  // The embedded store is imported on demand (cli/_gateway_link.ts), never at start-up; the
  // sandbox's fence around the policy repository comes from the client too.
  for (const command of ["cli/proxy_command.ts", "cli/sandbox_command.ts"]) {
    const loaded = [...await loadedFiles(command)];
    const gateway = loaded.filter((f) => f.startsWith("gateway/")).sort();
    assert.deepEqual(gateway.filter((f) => !f.startsWith("gateway/client/")), [], command);
    assert.ok(gateway.includes("gateway/client/gateway_client.ts"), command);
  }
});

Deno.test("architecture: gateway/client imports no other gateway folder, types included", async () => {
  // The client is what a proxy loads: its wire types live in client/gateway_wire.ts, and the
  // server's modules take them from there, never the other way round.
  const bad = (await codeEdges(true)).filter((e) =>
    e.from.startsWith("gateway/client/") && e.to.startsWith("gateway/") &&
    !e.to.startsWith("gateway/client/")
  );
  assert.deepEqual(bad, []);
});

Deno.test("architecture: no import cycle between folders, nor between files, types included", async () => {
  // Every import counts, types too: a cycle that only types close still means two files (or
  // folders) each need the other to be read, so the shared type belongs to one of them, or
  // lower (#18 item 10).
  const files = await codeEdges(true);
  const folders = files.map((e) => ({ from: dirname(e.from), to: dirname(e.to) }));
  assert.deepEqual(cycles(folders), []);
  assert.deepEqual(cycles(files), []);
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

Deno.test("architecture: the CLI entry starts on Deno's APIs and the command table alone", async () => {
  // `tollgate --version`, `--help` and a mistyped command answer from the command table (#15):
  // the entry loads commander, YAML, node:path, the quick listing and every command's modules
  // only when a command needs them (computed dynamic imports), so its start-up graph imports no
  // package at all.
  const loaded = [...await loadedFiles("main.ts")].sort();
  assert.deepEqual(loaded, [
    "cli/command_table.ts",
    "cli/run_cli.ts",
    "cli/top_help.ts",
    "deno.json",
    "main.ts",
  ]);
  const packages: string[] = [];
  for (const file of loaded) {
    const code = (await Deno.readTextFile(join(root, file))).replace(/^\s*(\*|\/\/).*$/gm, "");
    const bare = /(?:import|export)(?!\s+type\b)[^"';]*?from\s+"([^".][^"]*)"/g;
    for (const m of code.matchAll(bare)) packages.push(`${file}: ${m[1]}`);
  }
  assert.deepEqual(packages, []);
});

Deno.test("architecture: API paths are written only in the two route files", async () => {
  // One set of route constants per API (STYLE 7): gateway/client/gateway_routes.ts for the
  // gateway (its server and its client), proxy/policy_local/routes.ts for policy.local.
  const homes = ["gateway/client/gateway_routes.ts", "proxy/policy_local/routes.ts"];
  const offenders: string[] = [];
  for (const dir of ["proxy", "gateway", "cli"]) {
    for (const file of await sourceFiles(join(root, dir))) {
      const path = relative(root, file);
      if (isTest(path) || homes.includes(path)) continue;
      const code = (await Deno.readTextFile(file)).replace(/^\s*(\*|\/\/|\/\*).*$/gm, "");
      if (/["'`]\/v1\//.test(code)) offenders.push(path);
    }
  }
  assert.deepEqual(offenders, []);
});
