import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import {
  formatIssue,
  loadPolicyFile,
  loadPolicyText,
  parsePolicy,
  PolicyValidationError,
  validateNetworkRule,
} from "../mod.ts";

const testdata = (sub: string) => fileURLToPath(new URL(`./testdata/${sub}/`, import.meta.url));

function fixtures(sub: string): string[] {
  return [...Deno.readDirSync(testdata(sub))]
    .filter((e) => e.name.endsWith(".yaml"))
    .map((e) => e.name)
    .sort();
}

Deno.test("parsePolicy() reports each invalid fixture's one problem at its position", async (t) => {
  const names = fixtures("invalid");
  assert.ok(names.length >= 60, `only ${names.length} invalid fixtures`);
  for (const name of names) {
    await t.step(name, () => {
      const text = Deno.readTextFileSync(testdata("invalid") + name);
      // Each fixture says what it expects: `# expect: LINE:COL: message`.
      const expected = /^# expect: (.*)$/m.exec(text)?.[1];
      assert.ok(expected, `${name} lacks an expect line`);
      const { policy, issues } = parsePolicy(text, name);
      assert.equal(policy, undefined);
      assert.deepEqual(issues.map(formatIssue), [`${name}:${expected}`]);
    });
  }
});

Deno.test("parsePolicy() accepts the valid fixtures", async (t) => {
  for (const name of fixtures("valid")) {
    await t.step(name, () => {
      const { policy, issues } = parsePolicy(Deno.readTextFileSync(testdata("valid") + name), name);
      assert.deepEqual(issues, []);
      assert.equal(policy?.version, 1);
    });
  }
});

Deno.test("parsePolicy() keeps the model: defaults, anchors and static sections", () => {
  const read = (n: string) => parsePolicy(Deno.readTextFileSync(testdata("valid") + n), n).policy!;
  assert.deepEqual(read("minimal.yaml"), { version: 1, revision: 0, network_policies: {} });
  const s = read("static_sections.yaml");
  assert.equal(s.revision, 7);
  assert.deepEqual(s.landlock, { compatibility: "best_effort" });
  assert.deepEqual(s.process, { run_as_user: "sandbox", run_as_group: "sandbox" });
  assert.equal(s.filesystem_policy?.read_write?.[0], "/sandbox");
  const a = read("anchors.yaml");
  assert.deepEqual(a.network_policies.second, a.network_policies.first);
  const e = read("everything.yaml").network_policies;
  assert.deepEqual(e.api_rw_no_admin?.endpoints[0]?.deny_rules?.[1], {
    method: "delete",
    path: "**",
    query: { force: { any: ["1", "true"] }, scope: { glob: "all*" } },
  });
});

Deno.test("parsePolicy() reports every problem at once, in file order", () => {
  const text = [
    "version: 2", //                                     1
    "colour: blue", //                                   2
    "network_policies:", //                              3
    "  r1:", //                                          4
    "    endpoints:", //                                 5
    "      - host: '*.com'", //                          6
    "        port: 0", //                                7
    "        protocol: rest", //                         8
    "    binaries: [{ path: curl }]", //                 9
  ].join("\n");
  const { issues } = parsePolicy(text, "p.yaml");
  assert.deepEqual(issues.map(formatIssue), [
    'p.yaml:1:10: Unsupported version "2": must be 1',
    'p.yaml:2:1: Unknown key "colour" in policy',
    'p.yaml:6:15: Wildcard host "*.com" covers a whole top-level domain: name at least two labels',
    'p.yaml:7:15: Port "0" must be an integer from 1 to 65535',
    'p.yaml:8:9: Key "protocol" needs "access" or "rules"',
    'p.yaml:9:24: Binary path "curl" must be absolute',
  ]);
});

Deno.test("parsePolicy() handles empty and hostile documents", () => {
  assert.deepEqual(parsePolicy("", "e.yaml").issues.map(formatIssue), [
    "e.yaml:1:1: A policy document must be a map, got nothing",
  ]);
  const bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" +
    Array.from(
      { length: 8 },
      (_, i) =>
        `${"bcdefghi"[i]}: &${"bcdefghi"[i]} [${Array(10).fill(`*${"abcdefgh"[i]}`).join(", ")}]`,
    ).join("\n") + "\nversion: 1\n";
  const r = parsePolicy(bomb, "bomb.yaml");
  assert.equal(r.policy, undefined);
  assert.equal(r.issues.length, 1);
});

Deno.test("validateNetworkRule() reports JSON paths", () => {
  const ok = validateNetworkRule({
    name: "gh-write",
    endpoints: [{
      host: "api.github.com",
      port: 443,
      protocol: "rest",
      rules: [{ allow: { method: "PUT", path: "/repos/o/r/contents/x.md" } }],
    }],
    binaries: [{ path: "/usr/bin/curl" }],
  });
  assert.deepEqual(ok.problems, []);
  assert.equal((ok.rule?.endpoints[0]?.rules?.[0]?.allow as { method: string }).method, "PUT");
  const bad = validateNetworkRule({
    endpoints: [{ host: "*", port: "443", protocol: "rest", access: "read-only", extra: 1 }],
    binaries: [{ path: "/usr/bin/../curl" }],
  });
  assert.equal(bad.rule, undefined);
  assert.deepEqual(bad.problems, [
    { path: "endpoints[0].extra", message: 'Unknown key "extra" in endpoint' },
    { path: "endpoints[0].host", message: 'Bare wildcard host "*" would allow every host' },
    { path: "endpoints[0].port", message: 'Port "443" must be an integer from 1 to 65535' },
    { path: "binaries[0].path", message: 'Binary path "/usr/bin/../curl" must not contain ".."' },
  ]);
  assert.deepEqual(validateNetworkRule("nope").problems, [
    { path: "", message: 'Rule must be a map, got "nope"' },
  ]);
  assert.deepEqual(validateNetworkRule({ binaries: [{ path: "/a" }] }).problems, [
    { path: "", message: 'Missing required key "endpoints"' },
  ]);
});

Deno.test("loadPolicyFile() loads, and turns failures into PolicyValidationError", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const good = `${dir}/good.yaml`;
    await Deno.writeTextFile(good, "version: 1\nrevision: 2\n");
    const loaded = await loadPolicyFile(good);
    assert.equal(loaded.file, good);
    assert.equal(loaded.policy.revision, 2);
    assert.match(loaded.hash, /^[0-9a-f]{64}$/);
    assert.equal(loaded.compiled.ruleCount, 0);
    const missing = await loadPolicyFile(`${dir}/nope.yaml`).catch((e) => e);
    assert.ok(missing instanceof PolicyValidationError);
    assert.deepEqual(missing.issues.map(formatIssue), [
      `${dir}/nope.yaml:1:1: Cannot read policy file: no such file`,
    ]);
    const broken = await loadPolicyFile(dir).catch((e) => e);
    assert.ok(broken instanceof PolicyValidationError);
    assert.throws(() => loadPolicyText("version: 3\nx: 1\n", "t.yaml"), (e: unknown) => {
      assert.ok(e instanceof PolicyValidationError);
      assert.equal(e.message, 't.yaml:1:10: Unsupported version "3": must be 1 (and 1 more)');
      return true;
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
