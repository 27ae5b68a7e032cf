/**
 * What a newcomer following the README met on a fresh clone (#18 item 4): each mistake is one
 * line that says what to do, with no raw runtime text, and a command outside a project creates
 * nothing.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runCliIn, withPolicyWorkspace } from "./support/mod.ts";
import { startGateway } from "../gateway/mod.ts";

const RAW = /os error|readdir|open '|EADDRINUSE|Fetch failed|error sending request|not_found/;

function tollgate(args: string[], cwd: string, env: Record<string, string> = {}) {
  return runCliIn(args, cwd, { env, signal: AbortSignal.abort() });
}

function oneClearLine(err: string): void {
  assert.doesNotMatch(err, RAW, "no raw runtime text");
  assert.equal(err.trim().split("\n").length, 1, `one line: ${err}`);
}

Deno.test("cli: leases and ceiling outside a policies directory say so and create nothing", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tollgate-newcomer-" });
  try {
    const commands = [
      ["leases", "list"],
      ["leases", "sweep"],
      ["leases", "revoke", "some_rule"],
      ["ceiling", "check"],
    ];
    for (const args of commands) {
      const r = await tollgate(args, dir);
      oneClearLine(r.err);
      assert.equal(r.code, 1, `${args.join(" ")}: ${r.err}`);
      assert.match(r.err, /^error: No policies directory at ".*": run "tollgate init"/);
      assert.deepEqual([...Deno.readDirSync(dir)], [], `${args.join(" ")} created files`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cli: proposals approve with neither ids nor --all asks for one of them", async () => {
  await withPolicyWorkspace({ agent: "version: 1\n" }, async (dir) => {
    const r = await tollgate(["proposals", "approve"], dir);
    oneClearLine(r.err);
    assert.equal(r.code, 2);
    // Not "..., not both": nothing was given.
    assert.equal(r.err, "error: Give the proposal ids to approve, or --all\n");
    const both = await tollgate(["proposals", "approve", "p-1", "--all"], dir);
    assert.equal(both.err, "error: Give proposal ids or --all, not both\n");
  });
});

Deno.test("cli: a command group without its subcommand names every subcommand it has", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tollgate-newcomer-" });
  try {
    for (const group of ["proposals", "leases", "reviewers"]) {
      const r = await tollgate([group], dir);
      oneClearLine(r.err);
      assert.equal(r.code, 2);
      const listed = r.err.match(/^error: Missing subcommand: use "\S+ (\S+)"$/m)?.[1];
      const help = await tollgate([group, "--help"], dir);
      // Every command the group's help lists, in the same order ("refresh" was once missing).
      const inHelp = [...help.out.matchAll(/^ {2}([a-z]+) /gm)].map((m) => m[1]);
      assert.ok(inHelp.length >= 3, help.out);
      assert.equal(listed, inHelp.join("|"));
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cli: a proxy asking a gateway for a policy it does not have names the policy", async () => {
  await withPolicyWorkspace({ agent: "version: 1\n" }, async (dir) => {
    const gateway = await startGateway({
      policiesDir: join(dir, "policies"),
      stateDir: join(dir, "gateway-state"),
      listen: "127.0.0.1:0",
    });
    try {
      const args = [
        "proxy",
        "--policy",
        "nope",
        "--gateway",
        gateway.url,
        "--listen",
        "127.0.0.1:0",
      ];
      const r = await tollgate(args, dir, { TOLLGATE_GATEWAY_TOKEN: gateway.token });
      oneClearLine(r.err);
      assert.equal(r.code, 1);
      assert.equal(r.err, `error: The gateway at ${gateway.url} has no policy "nope"\n`);
    } finally {
      await gateway.close();
    }
  });
});

Deno.test("cli: policy validate --ceiling naming a missing file fails, naming it", async () => {
  await withPolicyWorkspace({ agent: "version: 1\n" }, async (dir) => {
    const args = ["policy", "validate", "--ceiling", "nope.yaml", "policies/agent.yaml"];
    const r = await tollgate(args, dir);
    oneClearLine(r.err);
    // It printed "ok" before: a ceiling asked for and not there checked nothing.
    assert.equal(r.code, 1);
    assert.equal(r.out, "");
    assert.equal(r.err, `error: Cannot read --ceiling "${join(dir, "nope.yaml")}": no such file\n`);
    // Without the flag, a project with no ceiling.yaml has nothing to check against.
    const plain = await tollgate(["policy", "validate", "policies/agent.yaml"], dir);
    assert.equal(plain.code, 0, plain.err);
    assert.match(plain.out, /^ok policies\/agent\.yaml/);
  });
});

Deno.test("cli: ceiling check --ceiling naming a missing file fails, naming it", async () => {
  await withPolicyWorkspace({ agent: "version: 1\n" }, async (dir) => {
    const r = await tollgate(["ceiling", "check", "--ceiling", "nope.yaml"], dir);
    oneClearLine(r.err);
    // It said "No org ceiling: every policy may grant anything" and exited 0.
    assert.equal(r.code, 1);
    assert.equal(r.out, "");
    assert.equal(r.err, `error: Cannot read --ceiling "${join(dir, "nope.yaml")}": no such file\n`);
  });
});

Deno.test("cli: ceiling check names the file, line and column of a ceiling that does not parse", async () => {
  await withPolicyWorkspace({ agent: "version: 1\n", ceiling: "version: [\n" }, async (dir) => {
    const r = await tollgate(["ceiling", "check"], dir);
    oneClearLine(r.err);
    // It printed "error: The org ceiling ceiling.yaml does not validate" on standard output.
    assert.equal(r.code, 1);
    assert.equal(r.out, "");
    const file = join(dir, "policies", "ceiling.yaml");
    assert.match(
      r.err,
      new RegExp(`^error: Invalid org ceiling: ${file}:2:1: YAML syntax error: `),
    );
  });
});

Deno.test("cli: gateway --tls-cert naming a file with no certificate says which flag", async () => {
  await withPolicyWorkspace({ agent: "version: 1\n" }, async (dir) => {
    // The key and the certificate swapped, a newcomer's likely slip.
    const key = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
    await Deno.writeTextFile(join(dir, "key.pem"), key);
    const args = ["gateway", "--listen", "127.0.0.1:0", "--tls-cert", "key.pem", "--tls-key"];
    const r = await tollgate([...args, "key.pem"], dir);
    oneClearLine(r.err);
    // Deno's own "No certificates found in certificate data" named neither flag nor file.
    assert.equal(r.code, 1);
    assert.equal(
      r.err,
      `error: Invalid --tls-cert "${join(dir, "key.pem")}": it holds no PEM certificate ` +
        "(-----BEGIN CERTIFICATE-----)\n",
    );
  });
});

Deno.test("cli: sandbox run against an unreachable gateway says so and leaves no CA key behind", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tollgate-newcomer-" });
  // A port that was just free: nothing answers there.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const url = `http://127.0.0.1:${listener.addr.port}`;
  listener.close();
  try {
    const args = [
      "sandbox",
      "run",
      "--gateway",
      url,
      "--policy",
      "agent",
      "--isolate",
      "env",
      "--",
      "true",
    ];
    const r = await tollgate(args, dir, { TOLLGATE_GATEWAY_TOKEN: "x".repeat(43) });
    oneClearLine(r.err);
    assert.equal(r.code, 1, r.err);
    assert.match(r.err, new RegExp(url.replaceAll(".", "\\.")));
    assert.deepEqual([...Deno.readDirSync(dir)], [], "created files");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
