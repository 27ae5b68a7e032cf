/**
 * The transport of a gateway's remote (#19): fetch and push never read the clone's own config
 * (`http.*`, `url.*.insteadOf`), the user's global config still applies, and a remote that
 * holds a transfer open is given up at the deadline with the clear message.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { RemoteSync, RemoteSyncError } from "../gateway/remote/mod.ts";
import { serveGit } from "./remote_git_http.ts";
import { git, makeRemote } from "./remote_support.ts";

/** A server that records every request it gets and answers 502. */
function recorder(seen: string[]): Deno.HttpServer<Deno.NetAddr> {
  return Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (request) => {
    seen.push(`${request.method} ${request.url}`);
    return new Response("planted", { status: 502 });
  });
}

/** A server whose every answer is one byte every 200 ms, forever: curl never sees a stall. */
function trickler(): Deno.HttpServer<Deno.NetAddr> {
  return Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, () => {
    let timer: ReturnType<typeof setInterval>;
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        timer = setInterval(() => c.enqueue(new Uint8Array([48])), 200);
      },
      cancel() {
        clearInterval(timer);
      },
    });
    const type = "application/x-git-upload-pack-advertisement";
    return new Response(body, { headers: { "content-type": type } });
  });
}

async function withGlobalConfig<T>(text: string, fn: () => Promise<T>): Promise<T> {
  const file = await Deno.makeTempFile({ prefix: "tollgate-gitconfig-" });
  await Deno.writeTextFile(file, text);
  const was = Deno.env.get("GIT_CONFIG_GLOBAL");
  Deno.env.set("GIT_CONFIG_GLOBAL", file);
  try {
    return await fn();
  } finally {
    if (was === undefined) Deno.env.delete("GIT_CONFIG_GLOBAL");
    else Deno.env.set("GIT_CONFIG_GLOBAL", was);
    await Deno.remove(file);
  }
}

Deno.test("remote #19: http.* and url.*.insteadOf planted in the clone's config steer no fetch or push; the user's global http config still applies", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tollgate-remote-transport-" });
  const planted: string[] = [];
  const headers: Headers[] = [];
  const trap = recorder(planted);
  const server = serveGit(dir, { seen: (r) => void headers.push(r.headers) });
  try {
    const bare = await makeRemote(dir);
    const url = `http://127.0.0.1:${server.addr.port}/remote.git`;
    const clone = join(dir, "clone");
    await git(dir, "clone", "--quiet", bare, clone);
    const elsewhere = `http://127.0.0.1:${trap.addr.port}/`;
    for (
      const [key, value] of [
        ["http.proxy", elsewhere],
        ["http.extraHeader", "X-Planted: any"],
        [`http.${url}.extraHeader`, "X-Planted: scoped"],
        ["http.cookieFile", join(dir, "cookies")],
        ["http.saveCookies", "true"],
        [`url.${elsewhere}.insteadOf`, `http://127.0.0.1:${server.addr.port}/`],
      ]
    ) await git(clone, "config", "--add", key!, value!);
    await withGlobalConfig("[http]\n\textraHeader = X-Global: yes\n", async () => {
      const sync = await RemoteSync.open({ policiesDir: clone, url, fetchIntervalMs: 0 });
      try {
        await sync.start();
        await sync.decide("approve", "note", async () => {
          await Deno.writeTextFile(join(clone, "note.txt"), "pushed\n");
        });
      } finally {
        await sync.close();
      }
    });
    assert.deepEqual(planted, [], "a planted proxy or insteadOf received the transfer");
    assert.equal(headers.some((h) => h.has("x-planted")), false, "a planted header was sent");
    assert.ok(headers.length > 0 && headers.every((h) => h.get("x-global") === "yes"));
    assert.equal(await Deno.lstat(join(dir, "cookies")).then(() => true, () => false), false);
    assert.equal(await git(bare, "show", "main:note.txt"), "pushed\n");
  } finally {
    await trap.shutdown();
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("remote #19: a remote that never finishes its answer fails the approval at the deadline, with the clear message", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tollgate-remote-transport-" });
  const slow = trickler();
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const bare = await makeRemote(dir);
    const clone = join(dir, "clone");
    await git(dir, "clone", "--quiet", bare, clone);
    const url = `http://127.0.0.1:${slow.addr.port}/remote.git`;
    const sync = await RemoteSync.open({
      policiesDir: clone,
      url,
      fetchIntervalMs: 0,
      timeoutMs: 1_000,
    });
    try {
      const decided = sync.decide("approve", "p-1", () => Promise.resolve());
      // A liveness bound, not a speed target: without a deadline the run never ends.
      const hung = new Promise<"hung">((r) => timer = setTimeout(() => r("hung"), 60_000));
      const outcome = await Promise.race([decided.then(() => "approved", (e: Error) => e), hung]);
      assert.ok(outcome instanceof RemoteSyncError, String(outcome));
      assert.match(
        outcome.message,
        /^Cannot approve proposal "p-1": the policy remote is unreachable \(git (fetch from|ls-remote of) .* failed: no answer within 1 s\); nothing changed and proxies keep enforcing the current policy$/,
      );
    } finally {
      await sync.close();
    }
  } finally {
    clearTimeout(timer);
    await slow.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});

/** The transport repositories in the system temp directory that carry pid `pid`'s name. */
async function transportsOf(pid: number): Promise<string[]> {
  const probe = await Deno.makeTempDir({ prefix: "tollgate-probe-" });
  const tmp = probe.replace(/\/[^/]+$/, "");
  await Deno.remove(probe);
  const found: string[] = [];
  for await (const e of Deno.readDir(tmp)) {
    if (e.name.startsWith(`tollgate-transport-${pid}-`)) found.push(join(tmp, e.name));
  }
  return found;
}

Deno.test("remote #19: the transport repository of a gateway killed with SIGKILL (its pid in the name) is swept when the next one starts; a live one's is kept", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tollgate-remote-transport-" });
  const bare = await makeRemote(dir);
  const mod = new URL("../gateway/remote/mod.ts", import.meta.url).href;
  const code = `import { RemoteSync } from "${mod}";
    await RemoteSync.open({ policiesDir: Deno.args[0], url: Deno.args[1], fetchIntervalMs: 0 });
    console.log("open");
    await new Promise(() => setInterval(() => {}, 1000));`;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["eval", code, join(dir, "killed"), `file://${bare}`],
    stdout: "piped",
    stderr: "null",
  }).spawn();
  let sync: RemoteSync | undefined;
  try {
    const reader = child.stdout.getReader();
    const { value } = await reader.read();
    assert.match(new TextDecoder().decode(value), /open/);
    reader.releaseLock();
    await child.stdout.cancel();
    child.kill("SIGKILL");
    await child.status;
    const left = await transportsOf(child.pid);
    assert.equal(left.length, 1, "the killed gateway's transport repository names its pid");
    sync = await RemoteSync.open({ policiesDir: join(dir, "next"), url: `file://${bare}` });
    assert.deepEqual(await transportsOf(child.pid), [], "the stale one is still there");
    assert.equal((await transportsOf(Deno.pid)).length, 1, "the live gateway's own was swept");
  } finally {
    await sync?.close();
    await Deno.remove(dir, { recursive: true });
    for (const left of await transportsOf(child.pid)) await Deno.remove(left, { recursive: true });
  }
});
