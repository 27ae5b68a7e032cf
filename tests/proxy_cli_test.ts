/**
 * `tollgate proxy` and `tollgate ca`: in-process through runCli, and once as the real
 * `deno run -A main.ts proxy` child with curl, the OCSF files and a hot reload.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runCli } from "../cli/mod.ts";
import { parseOcsfLine, renderShorthand } from "../proxy/ocsf/mod.ts";
import { captureCli, curl, startTestUpstreams, waitForLines } from "./support/mod.ts";

const MAIN = fileURLToPath(new URL("../main.ts", import.meta.url));
const POLICY = `version: 1
revision: 4
network_policies:
  gh_ro:
    endpoints:
      - { host: api.github.com, port: 443, protocol: rest, access: read-only }
    binaries: [{ path: /usr/bin/curl }]
`;

async function workspace(): Promise<{ dir: string; policies: string; state: string }> {
  const dir = await Deno.makeTempDir({ prefix: "tollgate-cli-" });
  const policies = join(dir, "policies");
  await Deno.mkdir(policies);
  await Deno.writeTextFile(join(policies, "demo.yaml"), POLICY);
  return { dir, policies, state: join(dir, "state") };
}

Deno.test("ca command prints the CA path, creating the CA once", async () => {
  const { dir, state } = await workspace();
  try {
    const { ctx, out } = captureCli(Deno.cwd());
    assert.equal(await runCli(["ca", "--state", state], ctx), 0);
    assert.equal(out(), `${join(state, "ca", "ca.pem")}\n`);
    assert.equal((await Deno.stat(join(state, "ca", "ca.key"))).mode! & 0o777, 0o600);
    const again = captureCli(Deno.cwd());
    assert.equal(await runCli(["ca", "--state", state], again.ctx), 0);
    assert.equal(again.out(), out());
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("proxy command refuses bad usage and bad policies with one line", async () => {
  const { dir, policies, state } = await workspace();
  try {
    const cases: [string[], number, RegExp][] = [
      [["--listen", "0.0.0.0:0"], 2, /non-loopback address "0\.0\.0\.0".*--allow-remote/],
      [["--listen", "nonsense"], 2, /Invalid --listen "nonsense"/],
      [["--resolve", "api.github.com:443"], 2, /Invalid --resolve/],
      [["--max-connections", "0"], 2, /Invalid --max-connections "0": expected a positive/],
      [["--max-connections", "1e3"], 2, /Invalid --max-connections "1e3"/],
      [["--policy", "missing"], 1, /^error: No policy "missing" in ".*" \(its policies: demo\)/],
    ];
    for (const [args, code, message] of cases) {
      const { ctx, err } = captureCli(Deno.cwd());
      const all = ["proxy", "--policy", "demo", "--policies", policies, "--state", state, ...args];
      assert.equal(await runCli(all, ctx), code, args.join(" "));
      assert.match(err(), message);
      assert.equal(err().trim().split("\n").length, 1);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("proxy command runs in-process until its signal aborts", async () => {
  const { dir, policies, state } = await workspace();
  const stop = new AbortController();
  const { ctx, out } = captureCli(Deno.cwd(), { signal: stop.signal });
  try {
    const args = ["proxy", "--policy", "demo", "--policies", policies, "--state", state];
    const running = runCli([...args, "--listen", "127.0.0.1:0"], ctx);
    for (const end = Date.now() + 10_000; Date.now() < end && !out().includes("\n");) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    assert.match(
      out(),
      /^tollgate proxy listening on 127\.0\.0\.1:\d+ \(policy demo, revision 4\)\n$/,
    );
    stop.abort();
    assert.equal(await running, 0);
  } finally {
    stop.abort();
    await Deno.remove(dir, { recursive: true });
  }
});

async function readLine(reader: ReadableStreamDefaultReader<string>): Promise<string> {
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    text += value;
  }
  return text;
}

Deno.test("proxy command as a child process: curl, OCSF files, hot reload", async () => {
  const { dir, policies, state } = await workspace();
  const upstreams = await startTestUpstreams();
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--quiet",
      MAIN,
      "proxy",
      "--policy",
      "demo",
      "--policies",
      policies,
      "--state",
      state,
      "--listen",
      "127.0.0.1:0",
      "--resolve",
      `api.github.com:443:127.0.0.1:${upstreams.httpsPort}`,
      "--upstream-ca",
      upstreams.caPath,
    ],
    stdout: "piped",
    stderr: "piped",
    env: { RUST_BACKTRACE: "0" },
  }).spawn();
  const stdout = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  try {
    const ready = await readLine(stdout);
    const port = Number(
      /listening on 127\.0\.0\.1:(\d+) \(policy demo, revision 4\)/.exec(ready)?.[1],
    );
    assert.ok(port > 0, ready);
    const caPath = join(state, "ca", "ca.pem");
    const options = { proxyPort: port, caPath };
    const secret = ["-H", "Authorization: Bearer hdr-s3cret"];
    const read = await curl(["https://api.github.com/repos/o/r?token=q-s3cret"], {
      ...options,
      args: secret,
    });
    assert.equal(read.status, 200, read.stderr);
    const write = await curl(["https://api.github.com/repos/o/r?token=q-s3cret"], {
      ...options,
      args: [...secret, "-X", "PUT", "-d", "body-s3cret"],
    });
    assert.equal(write.status, 403);

    const day = new Date().toISOString().slice(0, 10);
    const jsonl = join(state, "logs", `ocsf.${day}.jsonl`);
    const denials = join(state, "logs", `denials.${day}.jsonl`);
    // The shorthand is rendered on read (`tollgate logs`), from the compact JSON lines.
    const shorthand = (line: string) => {
      const e = parseOcsfLine(line);
      return e ? `${new Date(e.time).toISOString()} OCSF ${renderShorthand(e)}` : "";
    };
    const events = (await waitForLines(jsonl, /"class_uid"/, 5)).map((l) => JSON.parse(l));
    assert.deepEqual(events.map((e) => e.class_uid), [5019, 4001, 4002, 4001, 4002]);
    assert.deepEqual(events.slice(1).map((e) => e.action_id), [1, 1, 1, 2]);
    assert.equal(events[0].unmapped.policy_version, 4);
    assert.match(events[0].unmapped.hash, /^[0-9a-f]{64}$/);
    const lines = await waitForLines(jsonl, / OCSF /, 5, shorthand);
    assert.match(lines[0]!, /CONFIG:LOADED \[INFO\] .*\[version:4 hash:[0-9a-f]+/);
    assert.match(
      lines[4]!,
      /HTTP:PUT \[MED\] DENIED \/usr\/bin\/curl\(\d+\) -> PUT https:\/\/api\.github\.com\/repos\/o\/r \[policy:gh_ro engine:l7\]/,
    );
    for (const file of [jsonl, denials]) {
      assert.doesNotMatch(await Deno.readTextFile(file), /s3cret/, `${file} leaks a secret`);
    }

    // Hot reload: an atomic write of a wider policy is in force within moments.
    const wider = POLICY.replace("revision: 4", "revision: 5").replace("read-only", "read-write");
    await Deno.writeTextFile(join(policies, ".demo.tmp"), wider);
    await Deno.rename(join(policies, ".demo.tmp"), join(policies, "demo.yaml"));
    await waitForLines(jsonl, /CONFIG:LOADED .*version:5/, 1, shorthand);
    const retry = await curl(["https://api.github.com/repos/o/r"], {
      ...options,
      args: ["-X", "PUT"],
    });
    assert.equal(retry.status, 200);
  } finally {
    child.kill("SIGTERM");
    const status = await child.status;
    await stdout.cancel();
    const errors = await new Response(child.stderr).text();
    await upstreams.close();
    await Deno.remove(dir, { recursive: true });
    assert.equal(status.code, 0, errors);
  }
});
