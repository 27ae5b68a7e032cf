/**
 * #17 items 2 and 5 on the CLI: `policy validate` under the org ceiling, `ceiling check`, and
 * `leases list|revoke|sweep`.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runCli } from "../cli/mod.ts";
import { captureCtx, makeRepo, type TempRepo } from "./gateway_fixtures.ts";
import { scopedRepo, scopedRule } from "./automation_fixtures.ts";
import { detectIsolation } from "../proxy/sandbox/mod.ts";

const CEILING_GET_ONLY = `version: 1
network_policies:
  github:
    endpoints:
      - { host: api.github.com, port: 443, protocol: rest, rules: [{ allow: { method: GET, path: "/**" } }] }
    binaries: [{ path: /usr/bin/curl }]
`;

async function tollgate(repo: TempRepo, args: string[]) {
  const { ctx, out, err } = captureCtx(repo.root);
  const code = await runCli(args, ctx);
  return { code, out: out.join(""), err: err.join("") };
}

Deno.test("automation #17.2 CLI: policy validate refuses a policy the org ceiling does not hold, naming its first grant outside", async () => {
  const repo = await makeRepo();
  try {
    assert.equal((await tollgate(repo, ["policy", "validate", "policies/team.yaml"])).code, 0);
    await Deno.writeTextFile(join(repo.policies, "ceiling.yaml"), CEILING_GET_ONLY);
    const r = await tollgate(repo, ["policy", "validate", "policies/team.yaml"]);
    assert.equal(r.code, 1);
    assert.match(
      r.out,
      /^policies\/team\.yaml: rule "gh_ro" grants \/usr\/bin\/curl -> api\.github\.com:443 L7 OPTIONS \/\*\*, outside the org ceiling\n$/,
    );
    // The ceiling itself, and another ceiling named with --ceiling.
    assert.equal((await tollgate(repo, ["policy", "validate", "policies/ceiling.yaml"])).code, 0);
    await Deno.writeTextFile(
      join(repo.root, "wide.yaml"),
      CEILING_GET_ONLY.replace(
        'rules: [{ allow: { method: GET, path: "/**" } }]',
        "access: full",
      ),
    );
    const wide = ["policy", "validate", "--ceiling", "wide.yaml", "policies/team.yaml"];
    assert.equal((await tollgate(repo, wide)).code, 0);
  } finally {
    await repo.cleanup();
  }
});

Deno.test("automation #17.5 CLI: ceiling check says which policies fit and never prints the ceiling", async () => {
  const repo = await makeRepo();
  try {
    const none = await tollgate(repo, ["ceiling", "check"]);
    assert.equal(none.code, 0);
    assert.match(none.out, /No org ceiling/);
    await Deno.writeTextFile(join(repo.policies, "ceiling.yaml"), CEILING_GET_ONLY);
    const r = await tollgate(repo, ["ceiling", "check", "team"]);
    assert.equal(r.code, 1);
    assert.match(r.out, /^team: rule "gh_ro" grants .* OPTIONS \/\*\*, outside the org ceiling\n$/);
    assert.equal((await tollgate(repo, ["ceiling", "check", "../x"])).code, 2);
    await Deno.writeTextFile(join(repo.policies, "ceiling.yaml"), "version: 1\nnope: [");
    const broken = await tollgate(repo, ["ceiling", "check", "--json"]);
    assert.equal(broken.code, 1);
    assert.equal(JSON.parse(broken.out).ceiling, "unreadable");
  } finally {
    await repo.cleanup();
  }
});

Deno.test("automation #17.5 CLI: leases list shows scoped rules; revoke and sweep remove them with a commit", async () => {
  const repo = await scopedRepo([
    scopedRule("old", { scope: "lease", expiresAt: Date.now() - 1000 }),
    scopedRule("sess", { scope: "session", sandbox: "sb-1" }, "/s"),
  ]);
  try {
    const list = await tollgate(repo, ["leases", "list"]);
    assert.match(
      list.out,
      /^POLICY +RULE +SCOPE +UNTIL\nteam +old +lease +\S+ \(expired\)\nteam +sess +session +sandbox sb-1\n$/,
    );
    const swept = await tollgate(repo, ["leases", "sweep"]);
    assert.match(swept.out, /^OK Removed old from team \(expiry\)\. Revision 4, commit \w+\n$/);
    assert.equal((await tollgate(repo, ["leases", "revoke", "gh_ro"])).code, 1);
    const revoked = await tollgate(repo, ["leases", "revoke", "sess", "--revoked-by", "alice"]);
    assert.equal(revoked.code, 0, revoked.err);
    const log = await repo.git("log", "-1", "--format=%B");
    assert.match(
      log,
      /remove sess \(revoked by alice\)[^]*Removed-By: revoked[^]*Revoked-By: alice/,
    );
    assert.equal((await tollgate(repo, ["leases", "list", "--json"])).out, "[]\n");
  } finally {
    await repo.cleanup();
  }
});

const netns = (await detectIsolation()) === "netns";

Deno.test({
  name:
    "automation #17.2 sandbox: the org ceiling and the auto-approval patterns in the policy repo read as empty inside a netns sandbox",
  ignore: !netns,
  fn: async () => {
    const repo = await makeRepo();
    try {
      await Deno.writeTextFile(join(repo.policies, "ceiling.yaml"), CEILING_GET_ONLY);
      await Deno.writeTextFile(
        join(repo.policies, "auto_approve.yaml"),
        "version: 1\npatterns: []\n",
      );
      const main = new URL("../main.ts", import.meta.url).pathname;
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", "--quiet", main, "sandbox", "run", "--isolate", "netns", "--quiet"]
          .concat(["--policy", "team", "--", "sh", "-c"])
          .concat(["cat policies/ceiling.yaml policies/auto_approve.yaml; echo end"]),
        cwd: repo.root,
        env: { RUST_BACKTRACE: "0", NO_COLOR: "1" },
        stdout: "piped",
        stderr: "piped",
      }).output();
      const stdout = new TextDecoder().decode(out.stdout);
      assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
      assert.equal(stdout, "end\n");
      // Outside the sandbox both files are as written.
      assert.equal(await Deno.readTextFile(join(repo.policies, "ceiling.yaml")), CEILING_GET_ONLY);
    } finally {
      await repo.cleanup();
    }
  },
});

Deno.test({
  name:
    "automation #17.2 sandbox: a netns sandbox started inside the policy repo cannot write it through relative paths",
  ignore: !netns,
  fn: async () => {
    const repo = await makeRepo();
    try {
      const main = new URL("../main.ts", import.meta.url).pathname;
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", "--quiet", main, "sandbox", "run", "--isolate", "netns", "--quiet"]
          .concat(["--policy", "team", "--", "sh", "-c", "echo evil >> policies/team.yaml"]),
        cwd: repo.root,
        env: { RUST_BACKTRACE: "0", NO_COLOR: "1" },
        stdout: "null",
        stderr: "piped",
      }).output();
      assert.notEqual(out.code, 0);
      assert.match(new TextDecoder().decode(out.stderr), /Read-only file system/);
      assert.doesNotMatch(await Deno.readTextFile(join(repo.policies, "team.yaml")), /evil/);
    } finally {
      await repo.cleanup();
    }
  },
});
