/**
 * Binaries written as symlinks or scripts (issue #13 item 6): what the proxy sees and what
 * `policy validate` warns about.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runClean, withProxy } from "./toolchain_fixtures.ts";

Deno.test("toolchain #13.6: binaries: /usr/bin/python3 (a symlink) matches the /usr/bin/python3.11 the proxy sees", async () => {
  const real = await Deno.realPath("/usr/bin/python3");
  assert.notEqual(real, "/usr/bin/python3", "this machine's python3 is a symlink");
  const policy = `version: 1
network_policies:
  py:
    endpoints: [{ host: plain.example.com, port: 80, protocol: rest, access: read-only }]
    binaries: [{ path: /usr/bin/python3 }]
`;
  await withProxy(async (proxy, upstreams) => {
    const script = [
      "import urllib.request",
      "print(urllib.request.urlopen('http://plain.example.com/from-python').status)",
    ].join("\n");
    const url = `http://127.0.0.1:${proxy.port}`;
    const result = await runClean("/usr/bin/python3", ["-c", script], { http_proxy: url });
    assert.equal(result.stdout.trim(), "200", result.stderr);
    assert.equal(upstreams.requests[0]?.target, "/from-python");
  }, policy);
});

Deno.test("toolchain #13.6: policy validate warns that a script binary (npm) is seen as its interpreter", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tollgate-validate-" });
  try {
    const file = join(dir, "p.yaml");
    await Deno.writeTextFile(
      file,
      `version: 1
network_policies:
  npm:
    endpoints: [{ host: registry.npmjs.org, port: 443 }]
    binaries: [{ path: /usr/bin/npm }, { path: /usr/bin/curl }]
`,
    );
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--quiet", "main.ts", "policy", "validate", file],
      cwd: join(import.meta.dirname!, ".."),
      env: { NO_COLOR: "1", PATH: "/usr/bin:/bin" },
      clearEnv: true,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const out = new TextDecoder().decode(output.stdout);
    assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
    const warnings = out.split("\n").filter((l) => l.includes("warning"));
    // FILE:LINE:COL of the binary's path, as every other warning (it was "FILE: warning:").
    assert.deepEqual(warnings, [
      `${file}:5:24: warning: binary /usr/bin/npm is a script (#!/usr/bin/env node): the proxy sees ` +
      `its interpreter, never the script; list ${await Deno.realPath("/usr/bin/node")} ` +
      `(the 403's "binary" names it)`,
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
