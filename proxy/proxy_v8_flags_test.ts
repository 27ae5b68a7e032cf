import assert from "node:assert/strict";
import { PROXY_V8_FLAGS } from "./mod.ts";
import { evalWithProxyFlags } from "../tests/support/eval_with_proxy_flags.ts";

Deno.test("PROXY_V8_FLAGS are what the tollgate task runs the proxy with", async () => {
  const config = JSON.parse(await Deno.readTextFile(new URL("../deno.json", import.meta.url)));
  assert.match(config.tasks.tollgate.command, new RegExp(` --v8-flags=${PROXY_V8_FLAGS} `));
});

Deno.test("PROXY_V8_FLAGS are what the README's install line gives an installed tollgate", async () => {
  // `deno install --v8-flags=…` bakes the flags into the installed command: a user who installs
  // runs the proxy with this line's flags, not the task's, and the bench measures the constant.
  const readme = await Deno.readTextFile(new URL("../README.md", import.meta.url));
  const install = readme.split("\n").find((line) =>
    line.includes("--v8-flags=") && line.includes("main.ts")
  );
  assert.ok(install, "no install line with --v8-flags in README.md");
  assert.ok(install.includes(`--v8-flags=${PROXY_V8_FLAGS} main.ts`), install);
});

Deno.test("PROXY_V8_FLAGS bound the young generation of a process that allocates fast", async () => {
  // Short-lived garbage, as a busy proxy makes: by default V8 grows the young generation past
  // 30 MB for it; the flags keep it at two semi-spaces of 8 MB.
  const script = [
    'import v8 from "node:v8";',
    "let kept = 0;",
    "for (let i = 0; i < 3_000_000; i++) { const o = { i, s: `x${i}`, a: [i] }; kept += o.a.length; }",
    'const young = v8.getHeapSpaceStatistics().find((s) => s.space_name === "new_space");',
    "console.log(JSON.stringify({ mb: young.space_size / 2 ** 20, kept }));",
  ].join("\n");
  const { json, stderr } = await evalWithProxyFlags(script);
  assert.equal(stderr, "");
  const mb = json.mb as number;
  assert.ok(mb <= 16, `young generation ${mb} MB`);
});
