/**
 * Issue #12, items 1 and 14: a hostile agent can neither approve its own proposal (no
 * credential reaches the sandbox; proxy and reviewer credentials are separate and checked per
 * route; `Approved-By` names the reviewer credential's owner) nor read another sandbox's
 * proposals or denials.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runCli } from "../cli/mod.ts";
import { ProposalStore, type RunningGateway, startGateway } from "../gateway/mod.ts";
import { startProxyService } from "../proxy/mod.ts";
import { captureCli, type CapturedCli, curlArgs, withPolicyWorkspace } from "./support/mod.ts";
import { makeRepo, putProposal, type TempRepo } from "./gateway_fixtures.ts";

const POLICY = "version: 1\nnetwork_policies: {}\n";
const LOCAL = "http://policy.local";

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
      ...["NODE_USE_ENV_PROXY", "WGETRC"],
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

/** A gateway over a fresh repository, with a proxy credential for "team" and reviewer alice. */
async function withGateway(
  fn: (ctx: {
    repo: TempRepo;
    gw: RunningGateway;
    proxyToken: string;
    aliceToken: string;
    call: (token: string, method: string, path: string, body?: unknown) => Promise<Response>;
  }) => Promise<void>,
): Promise<void> {
  const repo = await makeRepo();
  const gw = await startGateway({
    policiesDir: repo.policies,
    stateDir: join(repo.root, ".tollgate"),
    listen: "127.0.0.1:0",
  });
  const call = (token: string, method: string, path: string, body?: unknown) =>
    fetch(`${gw.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  try {
    const { token: proxyToken } = await gw.credentials.enrolProxy("team");
    const aliceToken = await gw.credentials.addReviewer("alice");
    await fn({ repo, gw, proxyToken, aliceToken, call });
  } finally {
    await gw.close();
    await repo.cleanup();
  }
}

async function submitAs(
  call: (token: string, method: string, path: string, body?: unknown) => Promise<Response>,
  token: string,
): Promise<string> {
  const res = await call(token, "POST", "/v1/proposals", putProposal());
  const body = await res.json();
  assert.equal(res.status, 200, JSON.stringify(body));
  return body.proposal.id;
}

Deno.test("hostile #1: a proxy credential calling approve or reject gets 403 and the proposal stays pending", () =>
  withGateway(async ({ gw, proxyToken, call }) => {
    const id = await submitAs(call, proxyToken);
    for (
      const [path, body] of [["approve", { approved_by: "alice" }], ["reject", { reason: "x" }]]
    ) {
      const res = await call(proxyToken, "POST", `/v1/proposals/${id}/${path}`, body);
      assert.equal(res.status, 403, String(path));
      assert.equal((await res.json()).error, "forbidden");
    }
    // The host's enrolment token is no reviewer either, and it cannot read proposals.
    const host = await call(gw.token, "POST", `/v1/proposals/${id}/approve`, {});
    assert.equal(host.status, 403);
    await host.body?.cancel();
    const peek = await call(gw.token, "GET", `/v1/proposals/${id}`);
    assert.equal(peek.status, 403);
    await peek.body?.cancel();
    assert.equal((await gw.store.get(id))?.state, "pending");
    // A proxy credential proposes only to its own policy.
    const other = await call(proxyToken, "POST", "/v1/proposals", {
      ...putProposal(),
      policy: "other",
    });
    assert.equal(other.status, 403);
    await other.body?.cancel();
  }));

Deno.test("hostile #1: a reviewer credential approves and Approved-By names its owner, not the body", () =>
  withGateway(async ({ repo, gw, proxyToken, aliceToken, call }) => {
    const id = await submitAs(call, proxyToken);
    const res = await call(aliceToken, "POST", `/v1/proposals/${id}/approve`, {
      approved_by: "the security team",
    });
    assert.equal(res.status, 200, await res.clone().text());
    await res.body?.cancel();
    const message = await repo.git("log", "-1", "--format=%B");
    assert.match(message, /^Approved-By: alice$/m);
    assert.doesNotMatch(message, /security team/);
    const approved = await Deno.readTextFile(join(repo.policies, "approved", `${id}.patch`));
    assert.match(approved, /^Approved-By: alice$/m);
    const log = await readLog(join(repo.root, ".tollgate", "logs"));
    assert.match(log, /CONFIG:APPROVED[^\n]*alice/);
    // A removed reviewer's token stops working at once.
    assert.equal(await gw.credentials.removeReviewer("alice"), true);
    const gone = await call(aliceToken, "GET", "/v1/proposals");
    assert.equal(gone.status, 401);
    await gone.body?.cancel();
  }));

Deno.test("hostile #14: a proxy credential reads only its own sandbox's proposals and policy", () =>
  withGateway(async ({ gw, proxyToken, aliceToken, call }) => {
    const id = await submitAs(call, proxyToken);
    const { token: other } = await gw.credentials.enrolProxy("team");
    for (const path of [`/v1/proposals/${id}`, `/v1/proposals/${id}/wait?timeout=1`]) {
      const res = await call(other, "GET", path);
      assert.equal(res.status, 404, path);
      await res.body?.cancel();
    }
    const listed = await (await call(other, "GET", "/v1/proposals")).json();
    assert.deepEqual(listed.proposals, []);
    const own = await (await call(proxyToken, "GET", `/v1/proposals/${id}`)).json();
    assert.equal(own.status, "pending");
    const all = await (await call(aliceToken, "GET", "/v1/proposals")).json();
    assert.equal(all.proposals.length, 1);
    await Deno.writeTextFile(join(gw.store.policiesDir, "secret.yaml"), POLICY);
    await new Promise((r) => setTimeout(r, 300));
    const policies = await (await call(other, "GET", "/v1/policies")).json();
    assert.deepEqual(policies.policies.map((p: { name: string }) => p.name), ["team"]);
    const secret = await call(other, "GET", "/v1/policies/secret");
    assert.equal(secret.status, 404);
    await secret.body?.cancel();
  }));

async function readLog(dir: string): Promise<string> {
  let text = "";
  for await (const entry of Deno.readDir(dir)) {
    if (/^ocsf\..*\.jsonl$/.test(entry.name)) {
      text += await Deno.readTextFile(join(dir, entry.name));
    }
  }
  const { parseOcsfLine, renderShorthand } = await import("../proxy/ocsf/mod.ts");
  return text.trim().split("\n").map((l) => renderShorthand(parseOcsfLine(l)!)).join("\n");
}

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

/** Two proxies (sandboxes A and B) for "team" on one state directory and one store. */
async function withTwoProxies(
  fn: (a: string[], b: string[], repo: TempRepo) => Promise<void>,
): Promise<void> {
  const repo = await makeRepo();
  const stateDir = join(repo.root, ".tollgate");
  const options = {
    policy: "team",
    policiesDir: repo.policies,
    stateDir,
    sink: new ProposalStore({ policiesDir: repo.policies }),
  };
  const a = await startProxyService(options);
  const b = await startProxyService(options);
  try {
    await fn(["-x", `http://127.0.0.1:${a.port}`], ["-x", `http://127.0.0.1:${b.port}`], repo);
  } finally {
    await a.close();
    await b.close();
    await repo.cleanup();
  }
}

const AGENT_PROPOSAL = {
  intent_summary: "write x.md",
  operations: [{ addRule: { ruleName: "put_x", rule: putProposal().rule } }],
};

Deno.test("hostile #14: sandbox B cannot read sandbox A's proposal through policy.local", () =>
  withTwoProxies(async (a, b) => {
    const body = JSON.stringify(AGENT_PROPOSAL);
    const submitted = await curlArgs([...a, "--data-binary", body, `${LOCAL}/v1/proposals`]);
    assert.equal(submitted.status, 202, submitted.body);
    // A rejected chunk would otherwise surface as a puzzling 404 on "/v1/proposals/undefined".
    const [id] = JSON.parse(submitted.body).accepted_chunk_ids;
    assert.ok(id, `no accepted chunk: ${submitted.body}`);
    const own = await curlArgs([...a, `${LOCAL}/v1/proposals/${id}`]);
    assert.equal(own.status, 200, own.body);
    for (const path of [`/v1/proposals/${id}`, `/v1/proposals/${id}/wait?timeout=5`]) {
      const theirs = await curlArgs([...b, `${LOCAL}${path}`]);
      assert.equal(theirs.status, 404, `${path}: ${theirs.body}`);
      assert.equal(JSON.parse(theirs.body).error, "chunk_not_found");
    }
  }));

Deno.test("hostile #14: denials of proxy A do not show in proxy B's /v1/denials", () =>
  withTwoProxies(async (a, b) => {
    const denied = await curlArgs([...a, "http://blocked.example/secret-path"]);
    assert.equal(denied.status, 403, denied.body);
    const mine = JSON.parse((await curlArgs([...a, `${LOCAL}/v1/denials`])).body);
    assert.deepEqual(mine.denials.map((d: { host: string }) => d.host), ["blocked.example"]);
    const theirs = JSON.parse((await curlArgs([...b, `${LOCAL}/v1/denials`])).body);
    assert.deepEqual(theirs.denials, []);
  }));
