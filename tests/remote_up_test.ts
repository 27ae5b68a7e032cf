/**
 * `tollgate up --remote` (#19): the embedded gateway and proxy over a policies clone that
 * follows a shared Git remote.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { CredentialStore } from "../gateway/mod.ts";
import { curlArgs, firstLines } from "./support/mod.ts";
import { git, makeRemote } from "./remote_support.ts";

const MAIN = fileURLToPath(new URL("../main.ts", import.meta.url));

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  const end = Date.now() + 30_000;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

Deno.test("remote #19: tollgate up --remote clones the remote; a proposal from its proxy and its approval reach the remote, and the proxy enforces it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tollgate-remote-up-" });
  const bare = await makeRemote(dir);
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", MAIN, "up", "--policy", "team"].concat(
      ["--policies", join(dir, "clone"), "--state", join(dir, "state")],
      ["--listen", "127.0.0.1:0", "--gateway-listen", "127.0.0.1:0"],
      ["--remote", `file://${bare}`, "--fetch-interval", "60"],
    ),
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  try {
    const [gatewayLine, proxyLine] = await firstLines(child.stdout, 2);
    const gateway = /(http:\/\/127\.0\.0\.1:\d+)/.exec(gatewayLine!)?.[1];
    const port = /listening on 127\.0\.0\.1:(\d+) \(policy team, revision 3\)$/.exec(proxyLine!)
      ?.[1];
    assert.ok(gateway && port, `${gatewayLine}\n${proxyLine}`);
    const proxy = ["-x", `http://127.0.0.1:${port}`];
    const rule = {
      endpoints: [{ host: "api.example.com", port: 443 }],
      binaries: [{ path: "/usr/bin/curl" }],
    };
    const proposal = {
      intent_summary: "reach the example API",
      operations: [{ addRule: { ruleName: "example_api", rule } }],
    };
    const body = JSON.stringify(proposal);
    const submitted = await curlArgs(
      [...proxy, "-X", "POST", "--data-binary", body, "http://policy.local/v1/proposals"],
    );
    assert.equal(submitted.status, 202, submitted.body);
    const [id] = JSON.parse(submitted.body).accepted_chunk_ids;
    await until(
      "the proposal on the remote",
      async () =>
        (await git(bare, "ls-tree", "--name-only", "main", `pending/${id}.patch`)).trim() !== "",
    );
    const token = await new CredentialStore(join(dir, "state")).addReviewer("alice");
    const auth = ["-H", `authorization: Bearer ${token}`, "-X", "POST"];
    const approved = await curlArgs([...auth, `${gateway}/v1/proposals/${id}/approve`]);
    assert.equal(approved.status, 200, approved.body);
    assert.match(await git(bare, "show", "main:team.yaml"), /example_api:/);
    await until("the proxy at revision 4", async () => {
      const current = await curlArgs([...proxy, "http://policy.local/v1/policy/current"]);
      return JSON.parse(current.body).revision === 4;
    });
  } finally {
    child.kill("SIGTERM");
    const status = await child.status;
    await child.stdout.cancel().catch(() => {});
    assert.equal(status.code, 0);
    await Deno.remove(dir, { recursive: true });
  }
});
