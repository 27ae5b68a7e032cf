import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { runCliIn } from "./support/mod.ts";

const projectRoot = fileURLToPath(new URL("../", import.meta.url));

/** Run the real CLI as a child process, from the project root, as `deno task` would. */
async function tollgate(args: string[], initCwd: string) {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", "main.ts", ...args],
    cwd: projectRoot,
    env: { INIT_CWD: initCwd, NO_COLOR: "1", RUST_BACKTRACE: "0" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    out: decoder.decode(output.stdout),
    err: decoder.decode(output.stderr),
  };
}

const GOOD = `# a comment
version: 1
revision: 3
network_policies:
  gh_ro:
    name: github-readonly
    endpoints:
      - { host: api.github.com, port: 443, protocol: rest, access: read-only }
      - { host: github.com, ports: [22, 443] }
    binaries: [{ path: /usr/bin/curl }, { path: /usr/bin/git }]
`;
const BAD = `version: 1
network_policies:
  x:
    endpoints:
      - { host: "*.com", port: 443, ports: [443] }
    binaries: [{ path: curl }]
`;

async function withFiles(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${dir}/sub`);
    await Deno.writeTextFile(`${dir}/sub/good.yaml`, GOOD);
    await Deno.writeTextFile(`${dir}/sub/bad.yaml`, BAD);
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("policy validate (child process) resolves paths against INIT_CWD", async () => {
  await withFiles(async (dir) => {
    const ok = await tollgate(["policy", "validate", "sub/good.yaml"], dir);
    assert.equal(ok.code, 0, ok.err);
    assert.match(ok.out, /^ok sub\/good\.yaml \(1 rule, revision 3, hash [0-9a-f]{12}\)\n$/);
    assert.equal(ok.err, "");
    const bad = await tollgate([
      "policy",
      "validate",
      "sub/good.yaml",
      "sub/bad.yaml",
      "sub/missing.yaml",
    ], dir);
    assert.equal(bad.code, 1);
    assert.deepEqual(bad.out.trimEnd().split("\n").slice(1), [
      'sub/bad.yaml:5:17: Wildcard host "*.com" covers a whole top-level domain: name at least two labels',
      'sub/bad.yaml:5:37: Use either "port" or "ports", not both',
      'sub/bad.yaml:6:24: Binary path "curl" must be absolute',
      "sub/missing.yaml:1:1: Cannot read policy file: no such file",
    ]);
    assert.doesNotMatch(bad.out + bad.err, /at .*\.ts:\d+/, "no stack trace");
  });
});

Deno.test("policy show (child process) renders rules and JSON", async () => {
  await withFiles(async (dir) => {
    const shown = await tollgate(["policy", "show", "sub/good.yaml"], dir);
    assert.equal(shown.code, 0, shown.err);
    const lines = shown.out.split("\n");
    assert.equal(lines[0], "Policy:   good (sub/good.yaml)");
    assert.equal(lines[1], "Revision: 3");
    assert.match(lines[2]!, /^Hash: {5}[0-9a-f]{12}$/);
    assert.deepEqual(lines.slice(4, 9), [
      "gh_ro (github-readonly)",
      "  Endpoint: api.github.com:443 [L7 rest, access=read-only]",
      "  Endpoint: github.com:22,443 [L4]",
      "  Binary:   /usr/bin/curl",
      "  Binary:   /usr/bin/git",
    ]);
    const json = await tollgate(["policy", "show", "--json", "sub/good.yaml"], dir);
    assert.equal(json.code, 0);
    assert.equal(JSON.parse(json.out).network_policies.gh_ro.endpoints[1].ports[1], 443);
  });
});

Deno.test("policy commands: usage errors exit 2, help exits 0, problems of show go to stderr", async () => {
  await withFiles(async (dir) => {
    for (
      const args of [["policy"], ["policy", "validate"], ["policy", "show"], ["policy", "bogus"], [
        "policy",
        "show",
        "--nope",
        "x",
      ]]
    ) {
      const r = await runCliIn(args, dir);
      assert.equal(r.code, 2, args.join(" "));
      assert.match(r.err, /^error: /, args.join(" "));
    }
    for (
      const args of [["policy", "--help"], ["policy", "validate", "--help"], [
        "policy",
        "show",
        "--help",
      ]]
    ) {
      const r = await runCliIn(args, dir);
      assert.equal(r.code, 0, args.join(" "));
      assert.match(r.out, /^Usage: tollgate policy/);
    }
    const bad = await runCliIn(["policy", "show", "sub/bad.yaml"], dir);
    assert.equal(bad.code, 1);
    assert.equal(bad.out, "");
    assert.match(bad.err, /^sub\/bad\.yaml:5:17: /);
    const absolute = await runCliIn(["policy", "validate", `${dir}/sub/good.yaml`], "/");
    assert.equal(absolute.code, 0);
    assert.match(absolute.out, new RegExp(`^ok ${dir}/sub/good.yaml `));
  });
});
