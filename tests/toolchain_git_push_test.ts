/**
 * `git push` over smart HTTP inside `tollgate sandbox run` (netns and env mode): to an origin
 * the policy lets it write to (it lands), to one it may only read (clone and fetch allowed),
 * and to one it does not name. Each refused push prints Tollgate's denial as git's `remote:`
 * lines. Before, the read-only origin's refusal came on the pack's POST, of which git prints
 * only "error: RPC failed; HTTP 403 curl 22 The requested URL returned error: 403". So did a
 * clone from an origin whose rule allows only GET (its `POST …/git-upload-pack` refused); it now
 * stops at its discovery, with the denial as `remote:` lines.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { detectIsolation } from "../proxy/sandbox/mod.ts";
import { run, runScript, type ScriptRun, serveGitOrigin } from "./toolchain_fixtures.ts";

const netns = (await detectIsolation()) === "netns";
if (!netns) console.error("toolchain_git_push_test: netns mode skipped: needs network namespaces");

const HOSTS = ["github.com", "gitlab.test", "gitea.test"];

const POLICY = `version: 1
network_policies:
  git:
    endpoints:
      - host: github.com
        port: 443
        protocol: rest
        rules:
          - allow: { method: GET, path: "/**" }
          - allow: { method: POST, path: "/repo.git/git-upload-pack" }
      - { host: gitlab.test, port: 443, protocol: rest, access: full }
      - { host: gitea.test, port: 443, protocol: rest, access: read-only }
    binaries: [{ path: "/usr/bin/*" }, { path: "/usr/lib/git-core/*" }]
`;

const SCRIPT = `
step clone git clone -q https://github.com/repo.git work
cd work && echo agent > agent.txt && git add agent.txt
git -c user.name=Agent -c user.email=agent@example.test commit -qm agent && cd ..
step push git -C work push https://gitlab.test/repo.git HEAD:agent
step push_read_only git -C work push https://github.com/repo.git HEAD:other
step push_denied git -C work push https://denied.test/repo.git HEAD:other
step fetch git -C work fetch -q origin
step clone_read_only git clone -q https://gitea.test/repo.git read_only
`;

async function push(isolate: "netns" | "env"): Promise<{ run: ScriptRun; branches: string }> {
  const work = await Deno.makeTempDir({ prefix: "tg-git-push-" });
  const dir = join(work, "origin");
  await Deno.mkdir(join(work, "agent"), { recursive: true });
  await Deno.mkdir(dir);
  const origin = await serveGitOrigin(dir, HOSTS, { seed: true });
  try {
    const result = await runScript(join(work, "agent"), {
      policy: POLICY,
      isolate,
      script: SCRIPT,
      origin: { ...origin, hosts: HOSTS },
    });
    const branches = await run(
      "git",
      ["branch", "--format=%(refname:short)"],
      join(dir, "repo.git"),
    );
    return { run: result, branches };
  } finally {
    await origin.shutdown();
    await Deno.remove(work, { recursive: true });
  }
}

function check({ run, branches }: { run: ScriptRun; branches: string }): void {
  assert.equal(run.code, 0, run.stderr);
  const { results, out } = run;
  for (const name of ["clone", "push", "fetch"]) {
    assert.equal(results[name], "0", `${name}: ${out[name]}`);
  }
  // The allowed push landed; the refused ones did not.
  assert.deepEqual(branches.split("\n").sort(), ["agent", "main"]);
  // A push to a read-only origin, and a clone where only GET is allowed, stop at their
  // discovery, where git prints the denial.
  for (const [name, service] of [["push_read_only", "receive"], ["clone_read_only", "upload"]]) {
    const text = out[name!] ?? "";
    assert.notEqual(results[name!], "0", text);
    const rule = `POST /repo.git/git-${service}-pack (policy: git)`;
    assert.ok(text.split("\n").includes(`remote: Tollgate policy_denied: ${rule}`), text);
    assert.match(text, /^remote: next: POST the narrowest rule to /m);
  }
  assert.notEqual(results.push_denied, "0");
  assert.match(
    out.push_denied ?? "",
    /^remote: Tollgate policy_denied: CONNECT denied\.test:443/m,
    out.push_denied,
  );
}

Deno.test({
  name:
    "toolchain git push (netns): to a writable origin it lands; to a read-only one and an unnamed one, and a clone under a GET-only rule, git prints the denial",
  ignore: !netns,
  fn: async () => check(await push("netns")),
});

Deno.test("toolchain git push (env mode): the same pushes through the proxy variables", async () =>
  check(await push("env")));
