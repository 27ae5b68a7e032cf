/**
 * Large request bodies from the agent's real tools, inside `tollgate sandbox run` (netns and
 * env mode), through intercepted (L7) rules: `git push` of a pack bigger than the proxy's
 * chunked-body cap (git sends it chunked past `http.postBuffer`) and `curl -T -` (chunked)
 * reach the origin whole; a denied upload reads the structured 403, and the agent then reads
 * its denial from `http://policy.local`. Before, both uploads got `413 payload_too_large`
 * past 16 MiB ("error: RPC failed; HTTP 413" from git).
 */
import assert from "node:assert/strict";
import { detectIsolation } from "../proxy/sandbox/mod.ts";
import { run, runScript, serveGitOrigin } from "./toolchain_fixtures.ts";

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
head -c ${BIG} /dev/urandom > big.bin
git init -q -b main seed && cp big.bin seed/blob && git -C seed add blob
git -C seed -c user.name=Agent -c user.email=agent@example.test commit -qm big
step push git -C seed push https://github.com/repo.git main
step put sh -c 'curl -sS -T - https://upload.test/ok/a < big.bin'
step denied sh -c 'curl -sS -T - https://upload.test/no/a < big.bin'
step denials curl -sS 'http://policy.local/v1/denials?last=1'
`;

/** An HTTPS origin for HOSTS: github.com is a Git smart-HTTP server, upload.test counts bodies. */
async function startOrigin(dir: string) {
  const seen: string[] = [];
  const origin = await serveGitOrigin(dir, HOSTS, {
    other: async (request, host) => {
      const framing = request.headers.get("transfer-encoding") ?? "length";
      seen.push(`${host} ${request.method} ${new URL(request.url).pathname} ${framing}`);
      if (host === "github.com") return undefined;
      let bytes = 0;
      for await (const piece of request.body ?? []) bytes += piece.byteLength;
      return Response.json({ bytes });
    },
  });
  return { ...origin, seen, close: origin.shutdown };
}

async function uploads(isolate: "netns" | "env"): Promise<void> {
  const work = await Deno.makeTempDir({ prefix: "tg-uploads-" });
  const origin = await startOrigin(await Deno.makeTempDir({ dir: work, prefix: "up-" }));
  try {
    const out = await runScript(work, {
      policy: POLICY,
      isolate,
      script: SCRIPT,
      origin: { ...origin, hosts: HOSTS },
    });
    assert.equal(out.code, 0, out.stderr);
    const read = (name: string) => out.out[name] ?? "";
    for (const name of ["push", "put", "denied", "denials"]) {
      assert.equal(out.results[name], "0", `${name}: ${read(name)}`);
    }
    // The pack went chunked and arrived whole: the origin's branch holds the agent's commit.
    assert.ok(origin.seen.includes("github.com POST /repo.git/git-receive-pack chunked"));
    assert.equal(await run("git", ["log", "-1", "--format=%s", "main"], origin.repo), "big");
    assert.deepEqual(JSON.parse(read("put")), { bytes: BIG });
    assert.ok(origin.seen.includes("upload.test PUT /ok/a chunked"), `${origin.seen}`);
    // Denied: the structured 403, before any byte reached the origin; then the agent's next step.
    const denial = JSON.parse(read("denied"));
    assert.equal(denial.error, "policy_denied");
    assert.equal(denial.rule, "PUT /no/a");
    assert.ok(!origin.seen.some((line) => line.includes("/no/a")));
    const { denials } = JSON.parse(read("denials"));
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
