/**
 * Issue #12, items 1 and 14: a hostile agent can neither approve its own proposal (no
 * credential reaches the sandbox; proxy and reviewer credentials are separate and checked per
 * route; `Approved-By` names the reviewer credential's owner) nor read another sandbox's
 * proposals or denials.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { type CliContext, runCli } from "../cli/mod.ts";

const POLICY = "version: 1\nnetwork_policies: {}\n";

function capture(cwd: string, env: Record<string, string | undefined>) {
  let out = "";
  let err = "";
  const ctx: CliContext = {
    cwd,
    env,
    out: (text) => (out += text),
    err: (text) => (err += text),
    isTTY: false,
    signal: new AbortController().signal,
    setExitCode: () => {},
  };
  return { ctx, out: () => out, err: () => err };
}

async function withWorkspace(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "tg-auth-" });
  try {
    await Deno.mkdir(join(dir, "policies"));
    await Deno.writeTextFile(join(dir, "policies", "p.yaml"), POLICY);
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
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
