/**
 * A hostile agent against the proposal checks (issue #12 items 13 and 15): proposals whose
 * breadth the checks missed, and invisible characters in rules.
 */
import assert from "node:assert/strict";
import { ProposalStore } from "../gateway/mod.ts";
import type { NetworkRule } from "../proxy/policy/mod.ts";
import { startProxyService } from "../mod.ts";
import { rawRequest } from "./support/mod.ts";

const EXAMPLE = new URL("../examples/approve_pending.ts", import.meta.url).pathname;
const DEMO_POLICY = new URL("../policies/demo.yaml", import.meta.url).pathname;

function putRule(path: string, binary = "/usr/bin/curl"): NetworkRule {
  return {
    endpoints: [{
      host: "api.github.com",
      port: 443,
      protocol: "rest",
      enforcement: "enforce",
      rules: [{ allow: { method: "PUT", path } }],
    }],
    binaries: [{ path: binary }],
  };
}

// Each a rule the checks used to pass without a finding above info.
const BROAD_RULES: [string, NetworkRule][] = [
  ["l4_any_host_443", {
    endpoints: [{ host: "files.example.net", port: 443 }],
    binaries: [{ path: "/usr/bin/curl" }],
  }],
  ["l4_any_host_80", {
    endpoints: [{ host: "files.example.net", ports: [8080, 80] }],
    binaries: [{ path: "/usr/bin/curl" }],
  }],
  ["put_every_path", putRule("/*/**")],
  ["put_near_root", putRule("/repos/**")],
  ["read_write_host", {
    endpoints: [{ host: "api.github.com", port: 443, protocol: "rest", access: "read-write" }],
    binaries: [{ path: "/usr/bin/curl" }],
  }],
  ["python_binary", putRule("/repos/o/r/contents/notes.md", "/usr/bin/python3.11")],
  ["shell_binary", putRule("/repos/o/r/contents/notes.md", "/bin/bash")],
  ["env_binary", putRule("/repos/o/r/contents/notes.md", "/usr/bin/env")],
  ["node_binary", putRule("/repos/o/r/contents/notes.md", "/usr/local/bin/node")],
];

Deno.test("hostile #13: approve_pending.ts leaves L4-on-443, broad write paths, read-write and interpreter rules for a person", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tollgate-hostile-" });
  try {
    const policiesDir = `${dir}/policies`;
    await Deno.mkdir(policiesDir);
    await Deno.copyFile(DEMO_POLICY, `${policiesDir}/demo.yaml`);
    const store = new ProposalStore({ policiesDir });
    const submit = async (ruleName: string, rule: NetworkRule) => {
      const result = await store.submit({ policy: "demo", ruleName, rule, rationale: "test" });
      assert.ok(result.accepted, ruleName);
      return result.proposal;
    };
    const clean = await submit("put_notes", putRule("/repos/o/r/contents/notes.md"));
    const broad = [];
    for (const [name, rule] of BROAD_RULES) {
      const proposal = await submit(name, rule);
      const above = proposal.findings.filter((f) => f.severity !== "info");
      assert.ok(above.length > 0, `${name} has no finding above info`);
      broad.push(proposal.id);
    }
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--quiet", EXAMPLE, policiesDir, "demo"],
      cwd: dir,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout);
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    assert.match(text, new RegExp(`^approved ${clean.id}: revision 1$`, "m"));
    for (const id of broad) assert.match(text, new RegExp(`^left for a person: ${id}$`, "m"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

const ROOT = new URL("../", import.meta.url).pathname;

function proposalWith(rule: NetworkRule, ruleName = "put_notes"): Uint8Array {
  const body = JSON.stringify({
    intent_summary: "Write notes.md",
    operations: [{ addRule: { ruleName, rule } }],
  });
  const bytes = new TextEncoder().encode(body);
  const head = "POST http://policy.local/v1/proposals HTTP/1.1\r\nHost: policy.local\r\n" +
    `Content-Type: application/json\r\nContent-Length: ${bytes.length}\r\n\r\n`;
  return new Uint8Array([...new TextEncoder().encode(head), ...bytes]);
}

// [what, rule, field the 400 must name]
const INVISIBLE: [string, NetworkRule, string][] = [
  ["a right-to-left override in the rule name", {
    ...putRule("/repos/o/r/contents/notes.md"),
    name: "notes\u202Etxt.exe",
  }, "rule.name"],
  [
    "a zero-width space in the binary path",
    putRule("/repos/o/r/contents/notes.md", "/usr/bin/cu\u200Brl"),
    "rule.binaries[0].path",
  ],
  [
    "an isolate in an allowed path",
    putRule("/repos/o/r/contents/\u2066notes.md\u2069"),
    "rule.endpoints[0].rules[0].allow.path",
  ],
  ["a byte-order mark in a deny path", {
    ...putRule("/repos/o/r/contents/notes.md"),
    endpoints: [{
      ...putRule("/x").endpoints[0]!,
      deny_rules: [{ method: "DELETE", path: "/\uFEFFrepos/**" }],
    }],
  }, "rule.endpoints[0].deny_rules[0].path"],
  [
    // Tag characters (U+E0000-U+E007F) show as nothing: the reviewer reads /usr/bin/curl, the
    // grant is for a file the agent can create.
    "a tag character in the binary path",
    putRule("/repos/o/r/contents/notes.md", "/usr/bin/cu\u{E0072}rl"),
    "rule.binaries[0].path",
  ],
  ["a variation selector (supplement) in the rule name", {
    ...putRule("/repos/o/r/contents/notes.md"),
    name: "notes\u{E0100}",
  }, "rule.name"],
  ["an Arabic letter mark in a query matcher", {
    ...putRule("/repos/o/r/contents/notes.md"),
    endpoints: [{
      ...putRule("/x").endpoints[0]!,
      rules: [{ allow: { method: "GET", path: "/search", query: { q: "a\u061Cb" } } }],
    }],
  }, "rule.endpoints[0].rules[0].allow.query.q"],
];

Deno.test("hostile #15: bidi and zero-width characters in a proposed rule are refused (400 invalid_proposal naming the field)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tollgate-hostile-" });
  const policiesDir = `${dir}/policies`;
  await Deno.mkdir(policiesDir);
  await Deno.copyFile(DEMO_POLICY, `${policiesDir}/demo.yaml`);
  const store = new ProposalStore({ policiesDir });
  const service = await startProxyService({
    policy: "demo",
    policiesDir,
    stateDir: `${dir}/state`,
    listen: { hostname: "127.0.0.1", port: 0 },
    sink: store,
  });
  try {
    for (const [what, rule, field] of INVISIBLE) {
      const res = await rawRequest(service.port, [proposalWith(rule)]);
      assert.equal(res.status, 400, `${what}: ${res.raw}`);
      const body = JSON.parse(res.body);
      assert.equal(body.error, "invalid_proposal", what);
      assert.ok(body.detail.includes(`operations[0].addRule.${field}`), `${what}: ${body.detail}`);
      assert.match(body.detail, /invisible|bidi/, what);
      // The gateway's own door refuses it too.
      const direct = await store.submit({ policy: "demo", ruleName: "x", rule, rationale: "t" });
      assert.equal(direct.accepted, false, what);
    }
    assert.deepEqual(await store.list({ status: "pending" }), []);
  } finally {
    await service.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("hostile #15: policy validate names the file, line and column of a bidi or zero-width character", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tollgate-hostile-" });
  try {
    const file = `${dir}/bidi.yaml`;
    await Deno.writeTextFile(
      file,
      `version: 1
network_policies:
  notes:
    name: "notes\u202Etxt"
    endpoints:
      - { host: api.github.com, port: 443 }
    binaries:
      - path: "/usr/bin/cu\u200Brl"
`,
    );
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--quiet", "main.ts", "policy", "validate", file],
      cwd: ROOT,
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 1, text);
    assert.match(text, new RegExp(`${file}:4:11: .*(invisible|bidi).*U\\+202E`));
    assert.match(text, new RegExp(`${file}:8:15: .*(invisible|bidi).*U\\+200B`));
    assert.ok(!/[\u202E\u200B]/.test(text), "the message shows the code point, not the character");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
