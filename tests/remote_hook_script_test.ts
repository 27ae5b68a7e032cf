/**
 * The post-receive hook script itself (#19), run as git runs it: it reads the pushed refs on
 * its stdin and signals every gateway once, by bash's /dev/tcp for an http:// gateway and by
 * curl when that route gets no 2xx answer.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { installPostReceiveHook, postReceiveHook } from "../gateway/remote/mod.ts";

/** A listener that records each request's user agent and answers with `status(request)`. */
function recorder(status: (request: Request) => number) {
  const agents: string[] = [];
  const arrived = { count: 0, next: Promise.withResolvers<void>() };
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (request) => {
    await request.body?.cancel();
    agents.push(request.headers.get("user-agent") ?? "-");
    arrived.count++;
    arrived.next.resolve();
    arrived.next = Promise.withResolvers<void>();
    return new Response(null, { status: status(request) });
  });
  const url = `http://127.0.0.1:${server.addr.port}/v1/remote-changed`;
  /** Resolves once `n` requests arrived; a liveness bound, not a speed target. */
  const until = async (n: number) => {
    const deadline = Date.now() + 10_000;
    while (arrived.count < n && Date.now() < deadline) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([arrived.next.promise, new Promise((r) => timer = setTimeout(r, 100))]);
      clearTimeout(timer);
    }
  };
  return { agents, url, until, close: () => server.shutdown() };
}

/** Run the installed hook as receive-pack does: the pushed refs on stdin. */
async function runHook(repo: string): Promise<number> {
  const child = new Deno.Command("sh", {
    args: [join(repo, "hooks", "post-receive")],
    stdin: "piped",
    stdout: "null",
    stderr: "null",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(
    new TextEncoder().encode(`${"0".repeat(40)} ${"1".repeat(40)} refs/heads/main\n`),
  );
  await writer.close();
  return (await child.status).code;
}

async function bareRepo(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "tollgate-hook-script-" });
  await new Deno.Command("git", { args: ["init", "-q", "--bare", dir] }).output();
  return dir;
}

Deno.test("remote #19: the post-receive hook signals an http gateway once per push, without curl when bash is there", async () => {
  const repo = await bareRepo();
  const gateway = recorder(() => 202);
  try {
    await installPostReceiveHook(repo, [gateway.url]);
    assert.equal(await runHook(repo), 0);
    await gateway.until(1);
    // Had the bash route failed, curl would have signalled a second time.
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(gateway.agents, ["-"]);
  } finally {
    await gateway.close();
    await Deno.remove(repo, { recursive: true });
  }
});

Deno.test("remote #19: the post-receive hook falls back to curl when its bash route gets no 2xx", async () => {
  const repo = await bareRepo();
  // Only curl's request (it names itself) is accepted.
  const gateway = recorder((request) => request.headers.has("user-agent") ? 202 : 503);
  try {
    await installPostReceiveHook(repo, [gateway.url]);
    assert.equal(await runHook(repo), 0);
    await gateway.until(2);
    assert.equal(gateway.agents.length, 2);
    assert.equal(gateway.agents[0], "-");
    assert.match(gateway.agents[1]!, /^curl\//);
  } finally {
    await gateway.close();
    await Deno.remove(repo, { recursive: true });
  }
});

Deno.test("remote #19: the post-receive hook connects an IPv6 gateway by its address and names it with brackets", () => {
  const script = postReceiveHook([
    "http://[::1]:8788/v1/remote-changed",
    "https://gw.example:8443/v1/remote-changed",
  ]);
  assert.match(script, / '::1' '8788' '\/v1\/remote-changed' '\[::1\]:8788' /);
  // An https gateway never takes the plain-TCP route.
  assert.match(script, /post 'https:\/\/gw\.example:8443\/v1\/remote-changed' '' '' '' '' /);
});
