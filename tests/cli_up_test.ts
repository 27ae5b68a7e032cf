import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { curlArgs, firstLines } from "./support/mod.ts";
import { CredentialStore } from "../gateway/mod.ts";
import { notesProposal } from "./gateway_fixtures.ts";

const root = dirname(dirname(fileURLToPath(import.meta.url)));

Deno.test("tollgate up: one process serves the proxy and the gateway on one directory", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.mkdir(join(dir, "policies"));
  await Deno.copyFile(join(root, "policies/demo.yaml"), join(dir, "policies/demo.yaml"));
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", join(root, "main.ts"), "up", "--policy", "demo"]
      .concat(["--listen", "127.0.0.1:0", "--gateway-listen", "127.0.0.1:0"]),
    cwd: dir,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(child.stderr).text();
  try {
    const [gatewayLine, proxyLine, caLine, tryLine] = await firstLines(child.stdout, 4);
    // #18.3: up says what to do next: the CA to trust and a curl that works through it.
    const caPath = /: (\/.*ca\.pem)$/.exec(caLine!)?.[1];
    assert.ok(caPath && (await Deno.stat(caPath)).isFile, caLine);
    assert.match(
      tryLine!,
      /^Try it: +curl --proxy http:\/\/127\.0\.0\.1:\d+ --cacert \S+ http:\/\/policy\.local\//,
    );
    assert.match(gatewayLine!, /^tollgate gateway listening on http:\/\/127\.0\.0\.1:\d+ /);
    const port = /listening on 127\.0\.0\.1:(\d+) \(policy demo, revision 0\)$/.exec(proxyLine!)
      ?.[1];
    assert.ok(port, proxyLine);
    const proxy = ["-x", `http://127.0.0.1:${port}`];
    const current = await curlArgs([...proxy, "http://policy.local/v1/policy/current"]);
    assert.equal(current.status, 200);
    assert.equal(JSON.parse(current.body).revision, 0);
    const proposal = notesProposal();

    const submitted = await curlArgs([
      ...proxy,
      "-X",
      "POST",
      "--data-binary",
      JSON.stringify(proposal),
      "http://policy.local/v1/proposals",
    ]);
    assert.equal(submitted.status, 202, submitted.body);
    const [id] = JSON.parse(submitted.body).accepted_chunk_ids;
    const patch = await Deno.readTextFile(join(dir, "policies/pending", `${id}.patch`));
    assert.match(patch, /^Subject: \[PATCH\] policy\(demo\): allow PUT api\.github\.com:443/m);
    // The gateway API sees the same store (a reviewer credential of the shared state directory).
    const token = await new CredentialStore(join(dir, ".tollgate")).addReviewer("alice");
    const url = /(http:\/\/127\.0\.0\.1:\d+)/.exec(gatewayLine!)![1];
    const listed = await curlArgs(["-H", `authorization: Bearer ${token}`, `${url}/v1/proposals`]);
    assert.equal(listed.status, 200);
    assert.match(listed.body, new RegExp(id));
    // A linked proxy's long poll (an agent's /wait) reads its request's abort signal: Deno
    // printed its own warning ("request.signal aborts on successful responses…") on stderr.
    const wait = `${url}/v1/proposals/${id}/wait?timeout=1`;
    const waited = await curlArgs(["-H", `authorization: Bearer ${token}`, wait]);
    assert.equal(JSON.parse(waited.body).status, "pending", waited.body);
  } finally {
    child.kill("SIGTERM");
    const status = await child.status;
    await child.stdout.cancel().catch(() => {});
    assert.equal(status.code, 0);
    assert.doesNotMatch(await stderr, /Deno\.serve|legacy/);
    await Deno.remove(dir, { recursive: true });
  }
});
