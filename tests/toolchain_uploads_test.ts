/**
 * Large request bodies from the agent's real tools, inside `tollgate sandbox run` (netns and
 * env mode), through intercepted (L7) rules: `git push` of a pack bigger than the proxy's
 * chunked-body cap (git sends it chunked past `http.postBuffer`) and `curl -T -` (chunked)
 * reach the origin whole; a denied upload reads the structured 403, and the agent then reads
 * its denial from `http://policy.local`. Before, both uploads got `413 payload_too_large`
 * past 16 MiB ("error: RPC failed; HTTP 413" from git).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { CertificateAuthority } from "../proxy/tls/mod.ts";
import { detectIsolation } from "../proxy/sandbox/mod.ts";
import { serveGit } from "./remote_git_http.ts";
import { SANDBOX_RUN } from "./sandbox_fixtures.ts";

const netns = (await detectIsolation()) === "netns";
if (!netns) console.error("toolchain_uploads_test: netns mode skipped: needs network namespaces");
const HOSTS = ["github.com", "upload.test"];
/** 20 MiB: past the proxy's 16 MiB chunked-body cap. */
const BIG = 20 * 1024 * 1024;

const POLICY = `version: 1
network_policies:
  tools:
    endpoints:
      - { host: github.com, port: 443, protocol: rest, access: full }
      - host: upload.test
        port: 443
        protocol: rest
        rules: [{ allow: { method: PUT, path: "/ok/**" } }]
    binaries: [{ path: "/usr/bin/*" }, { path: "/usr/lib/git-core/*" }]
`;

const SCRIPT = `
step() { name=$1; shift; "$@" > "out/$name" 2>&1; echo "$name $?" >> results.txt; }
mkdir out
head -c ${BIG} /dev/urandom > big.bin
git init -q -b main seed && cp big.bin seed/blob && git -C seed add blob
git -C seed -c user.name=Agent -c user.email=agent@example.test commit -qm big
step push git -C seed push https://github.com/repo.git main
step put sh -c 'curl -sS -T - https://upload.test/ok/a < big.bin'
step denied sh -c 'curl -sS -T - https://upload.test/no/a < big.bin'
step denials curl -sS 'http://policy.local/v1/denials?last=1'
`;

async function run(cmd: string, args: string[], cwd: string): Promise<string> {
  const out = await new Deno.Command(cmd, { args, cwd, stdout: "piped", stderr: "piped" })
    .output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  if (!out.success) throw new Error(`${cmd} ${args.join(" ")} failed: ${text(out.stderr)}`);
  return text(out.stdout).trim();
}

/** An HTTPS origin for HOSTS: github.com is a Git smart-HTTP server, upload.test counts bodies. */
async function startOrigin(dir: string) {
  await run("git", ["init", "-q", "--bare", "-b", "main", "repo.git"], dir);
  await run("git", ["config", "http.receivepack", "true"], join(dir, "repo.git"));
  const ca = await CertificateAuthority.loadOrCreate(join(dir, "ca"));
  const caPath = join(dir, "upstream-ca.pem");
  await Deno.writeTextFile(caPath, ca.certPem);
  const leaf = await ca.mintLeaf(HOSTS);
  let gitPort = 0;
  const git = serveGit(dir, { onListen: (port) => (gitPort = port) });
  const seen: string[] = [];
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    cert: leaf.chainPem,
    key: leaf.keyPem,
    onListen: () => {},
  }, async (request) => {
    const url = new URL(request.url);
    const framing = request.headers.get("transfer-encoding") ?? "length";
    seen.push(`${request.headers.get("host")} ${request.method} ${url.pathname} ${framing}`);
    if (request.headers.get("host") === "github.com") {
      const { method, headers, body } = request;
      const target = `http://127.0.0.1:${gitPort}${url.pathname}${url.search}`;
      return await fetch(target, { method, headers, body });
    }
    let bytes = 0;
    for await (const piece of request.body ?? []) bytes += piece.byteLength;
    return Response.json({ bytes });
  });
  const close = () => Promise.all([server.shutdown(), git.shutdown()]);
  return { port: server.addr.port, caPath, repo: join(dir, "repo.git"), seen, close };
}

async function uploads(isolate: "netns" | "env"): Promise<void> {
  const work = await Deno.makeTempDir({ prefix: "tg-uploads-" });
  const origin = await startOrigin(await Deno.makeTempDir({ dir: work, prefix: "up-" }));
  try {
    await Deno.mkdir(join(work, "policies"));
    await Deno.writeTextFile(join(work, "policies", "p.yaml"), POLICY);
    const [deno, ...args] = [...SANDBOX_RUN, "--policy", "p", "--isolate", isolate, "--quiet"];
    for (const host of HOSTS) args.push("--resolve", `${host}:443:127.0.0.1:${origin.port}`);
    args.push("--upstream-ca", origin.caPath, "--", "sh", "-c", SCRIPT);
    const out = await new Deno.Command(deno!, {
      args,
      cwd: work,
      env: { PATH: "/usr/bin:/bin", HOME: work, NO_COLOR: "1" },
      clearEnv: true,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    const text = await Deno.readTextFile(join(work, "results.txt"));
    const results = Object.fromEntries(text.trim().split("\n").map((line) => line.split(" ")));
    const read = (name: string) => Deno.readTextFile(join(work, "out", name));
    for (const name of ["push", "put", "denied", "denials"]) {
      assert.equal(results[name], "0", `${name}: ${await read(name)}`);
    }
    // The pack went chunked and arrived whole: the origin's branch holds the agent's commit.
    assert.ok(origin.seen.includes("github.com POST /repo.git/git-receive-pack chunked"));
    assert.equal(await run("git", ["log", "-1", "--format=%s", "main"], origin.repo), "big");
    assert.deepEqual(JSON.parse(await read("put")), { bytes: BIG });
    assert.ok(origin.seen.includes("upload.test PUT /ok/a chunked"), `${origin.seen}`);
    // Denied: the structured 403, before any byte reached the origin; then the agent's next step.
    const denial = JSON.parse(await read("denied"));
    assert.equal(denial.error, "policy_denied");
    assert.equal(denial.rule, "PUT /no/a");
    assert.ok(!origin.seen.some((line) => line.includes("/no/a")));
    const { denials } = JSON.parse(await read("denials"));
    assert.equal(denials[0].path, "/no/a");
  } finally {
    await origin.close();
    await Deno.remove(work, { recursive: true });
  }
}

Deno.test({
  name:
    "toolchain uploads (netns): git push of a 20 MiB pack and curl -T - go chunked through L7 rules; a denied upload reads the 403",
  ignore: !netns,
  fn: () => uploads("netns"),
});

Deno.test("toolchain uploads (env mode): the same git push and curl -T - through the proxy variables", () =>
  uploads("env"));
