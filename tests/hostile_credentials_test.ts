/**
 * Issue #12, item 1: no credential reaches the sandbox (an env-mode command gets an
 * allow-listed environment), and reviewer credentials are kept as hashes, 0600.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runCli } from "../cli/mod.ts";
import { startGateway } from "../gateway/mod.ts";
import { captureCli, type CapturedCli, withPolicyWorkspace } from "./support/mod.ts";

const POLICY = "version: 1\nnetwork_policies: {}\n";

function capture(cwd: string, env: Record<string, string | undefined>): CapturedCli {
  return captureCli(cwd, { env });
}

function withWorkspace(fn: (dir: string) => Promise<void>): Promise<void> {
  return withPolicyWorkspace({ p: POLICY }, fn, "tg-auth-");
}

// What the shell itself adds to the environment it was given.
const SHELL_ADDED = new Set(["PWD", "OLDPWD", "SHLVL", "_"]);

Deno.test("hostile #1: an env-mode sandbox's command gets an allow-listed environment, no token", () =>
  withWorkspace(async (dir) => {
    const io = capture(dir, {
      PATH: Deno.env.get("PATH"),
      HOME: dir,
      LANG: "C.UTF-8",
      LC_ALL: "C.UTF-8",
      NO_COLOR: "1",
      TOLLGATE_GATEWAY_TOKEN: "stolen-token-0123456789abcdef0123456789",
      AWS_SECRET_ACCESS_KEY: "aws-secret",
      SSH_AUTH_SOCK: "/tmp/agent.sock",
      TOLLGATE_DEMO_TASK: "write the notes",
    });
    const out = join(dir, "env.txt");
    const args = ["sandbox", "run", "--policy", "p", "--isolate", "env"];
    args.push("--env", "TOLLGATE_DEMO_TASK", "--env", "EXTRA=given");
    args.push("--", "sh", "-c", `env > ${out}`);
    assert.equal(await runCli(args, io.ctx), 0, io.err());
    const seen = new Map(
      (await Deno.readTextFile(out)).trim().split("\n").map((l) => {
        const at = l.indexOf("=");
        return [l.slice(0, at), l.slice(at + 1)] as const;
      }),
    );
    assert.equal(seen.get("TOLLGATE_GATEWAY_TOKEN"), undefined);
    assert.equal(seen.get("AWS_SECRET_ACCESS_KEY"), undefined);
    assert.equal(seen.get("SSH_AUTH_SOCK"), undefined);
    assert.equal(seen.get("LANG"), "C.UTF-8");
    assert.equal(seen.get("TOLLGATE_DEMO_TASK"), "write the notes");
    assert.equal(seen.get("EXTRA"), "given");
    assert.ok(seen.get("TOLLGATE_SKILL"));
    const allowed = new Set([
      ...["PATH", "HOME", "LANG", "LC_ALL", "NO_COLOR", "TOLLGATE_DEMO_TASK", "EXTRA"],
      ...["HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "NO_PROXY", "no_proxy"],
      ...["SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "GIT_SSL_CAINFO"],
      ...["NODE_EXTRA_CA_CERTS", "DENO_CERT", "TOLLGATE_SKILL"],
      // #13 item 1: more CA variables (the bundle), Node's proxy switch, wget's rc (env mode).
      ...["PIP_CERT", "AWS_CA_BUNDLE", "GRPC_DEFAULT_SSL_ROOTS_FILE_PATH", "CARGO_HTTP_CAINFO"],
      ...["NODE_USE_ENV_PROXY", "WGETRC", "npm_config_cafile"],
      // Yarn berry's own proxy settings.
      ...["YARN_HTTP_PROXY", "YARN_HTTPS_PROXY"],
      // The JVM's proxy and trust store, apt's CA (env mode): paths and the proxy, no secret.
      ...["JAVA_TOOL_OPTIONS", "APT_CONFIG"],
    ]);
    const unlisted = [...seen.keys()].filter((k) => !allowed.has(k) && !SHELL_ADDED.has(k));
    assert.deepEqual(unlisted, []);
    // env mode says loudly that it is no boundary.
    assert.match(io.err(), /not a security boundary/);
    // A secret cannot be passed in by name either.
    const refused = capture(dir, { PATH: Deno.env.get("PATH"), TOLLGATE_GATEWAY_TOKEN: "x" });
    const bad = ["sandbox", "run", "--policy", "p", "--isolate", "env"];
    bad.push("--env", "TOLLGATE_GATEWAY_TOKEN", "--", "true");
    assert.equal(await runCli(bad, refused.ctx), 2, refused.err());
    assert.match(refused.err(), /TOLLGATE_GATEWAY_TOKEN/);
  }));

Deno.test("hostile #1: reviewers add/list/remove keep only a hash, 0600, and the token works once added", () =>
  withWorkspace(async (dir) => {
    const run = async (...args: string[]) => {
      const io = capture(dir, {});
      const code = await runCli(["reviewers", ...args, "--state", ".tollgate"], io.ctx);
      return { code, out: io.out(), err: io.err() };
    };
    const added = await run("add", "alice");
    assert.equal(added.code, 0, added.err);
    const token = added.out.trim();
    assert.match(token, /^tg_rev_[A-Za-z0-9_-]{43}$/);
    assert.equal((await run("add", "alice")).code, 1);
    assert.equal((await run("add", "bad name\n")).code, 2);
    assert.equal((await run("add", "bob")).code, 0);
    const listed = await run("list", "--json");
    assert.deepEqual(JSON.parse(listed.out).map((r: { name: string }) => r.name), ["alice", "bob"]);
    // Only hashes on disk, each file 0600 in a 0700 directory; no token anywhere.
    const credDir = join(dir, ".tollgate", "credentials");
    assert.equal((await Deno.stat(credDir)).mode! & 0o777, 0o700);
    for await (const entry of Deno.readDir(credDir)) {
      assert.match(entry.name, /^[0-9a-f]{64}\.json$/);
      const path = join(credDir, entry.name);
      assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
      assert.ok(!(await Deno.readTextFile(path)).includes(token.slice(7)));
    }
    // The token works against a gateway on that state directory, until removed.
    const gw = await startGateway({
      policiesDir: join(dir, "policies"),
      stateDir: join(dir, ".tollgate"),
      listen: "127.0.0.1:0",
    });
    try {
      const get = () =>
        fetch(`${gw.url}/v1/policies`, { headers: { authorization: `Bearer ${token}` } });
      const before = await get();
      assert.equal(before.status, 200);
      await before.body?.cancel();
      assert.equal((await run("remove", "alice")).code, 0);
      assert.equal((await run("remove", "alice")).code, 1);
      const after = await get();
      assert.equal(after.status, 401);
      await after.body?.cancel();
    } finally {
      await gw.close();
    }
    assert.deepEqual(JSON.parse((await run("list", "--json")).out), [{
      name: "bob",
      created: JSON.parse(listed.out)[1].created,
    }]);
  }));
