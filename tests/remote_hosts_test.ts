/**
 * Beyond one machine (#19), on one machine: three network namespaces — the remote (a bare
 * repository behind `git http-backend`, smart HTTP), host A (gateway A) and host B (gateways
 * B1 and B2, a proxy naming both, an upstream) — and every process a real `tollgate` run.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { CredentialStore } from "../gateway/mod.ts";
import {
  canMakeHosts,
  hostName,
  HostProcess,
  type Hosts,
  makeHosts,
  nsCurl,
  remoteLinks,
  run,
  sweepStaleHosts,
} from "./remote_hosts.ts";
import { git, makeRemote, revisions } from "./remote_support.ts";

const MAIN = fileURLToPath(new URL("../main.ts", import.meta.url));
const SERVER = fileURLToPath(new URL("./remote_git_http.ts", import.meta.url));
const hostsOk = await canMakeHosts();

async function until<T>(what: string, check: () => Promise<T | undefined>, ms = 30_000) {
  const end = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > end) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface Gateway {
  ns: string;
  url: string;
  state: string;
  args: string[];
  process: HostProcess;
}

async function startGatewayOn(ns: string, args: string[]): Promise<Gateway> {
  const process = new HostProcess(ns, ["deno", "run", "-A", "--quiet", MAIN, "gateway", ...args]);
  const url = (await process.waitFor(/Gateway listening on (http:\S+)/))[1]!;
  const state = args[args.indexOf("--state") + 1]!;
  return { ns, url, state, args, process };
}

/** JSON call to a gateway from inside its namespace. */
async function call(gw: Gateway, method: string, path: string, token: string, body?: unknown) {
  const args = ["-X", method, "-H", `authorization: Bearer ${token}`];
  if (body !== undefined) {
    args.push("-H", "content-type: application/json", "-d", JSON.stringify(body));
  }
  const r = await nsCurl(gw.ns, [...args, gw.url + path]);
  const json = (() => {
    try {
      return JSON.parse(r.body || "{}");
    } catch {
      return { raw: r.body };
    }
  })();
  return { status: r.status, json };
}

async function submit(gw: Gateway, key: string, host: string, port: number): Promise<string> {
  const hostToken = (await Deno.readTextFile(join(gw.state, "gateway.token"))).trim();
  const enrolled = await call(gw, "POST", "/v1/sandboxes", hostToken, { policy: "team" });
  const rule = { name: key, endpoints: [{ host, port }], binaries: [{ path: "/usr/bin/curl" }] };
  const body = { policy: "team", ruleName: key, rule, rationale: `reach ${host}` };
  const r = await call(gw, "POST", "/v1/proposals", enrolled.json.token, body);
  assert.equal(r.json.accepted, true, JSON.stringify(r.json));
  return r.json.proposal.id;
}

Deno.test({
  name: "remote #19: three hosts over smart HTTP — approve on A enforces on B, races, conflicts, " +
    "remote down, failover, a gateway killed mid-push" +
    (hostsOk ? "" : " (skipped: needs root and network namespaces)"),
  ignore: !hostsOk,
  async fn(t) {
    const dir = await Deno.makeTempDir({ prefix: "tollgate-hosts-" });
    const bare = await makeRemote(dir);
    const procs: HostProcess[] = [];
    let hosts: Hosts | undefined;
    try {
      hosts = await makeHosts(["a", "b"]);
      const { ns, addr } = hosts;
      const server = new HostProcess(ns.remote!, [
        "deno",
        "run",
        "-A",
        "--quiet",
        SERVER,
        dir,
        "0.0.0.0",
      ]);
      procs.push(server);
      const gitPort = (await server.waitFor(/listening (\d+)/))[1];
      const remoteArgs = (h: string, name: string, hookPort = 0) => [
        "--policies",
        join(dir, name),
        "--state",
        join(dir, `state-${h}`),
        "--listen",
        "127.0.0.1:0",
        "--remote",
        `http://${addr[h]!.remote}:${gitPort}/remote.git`,
        "--hook-listen",
        `${addr[h]!.host}:${hookPort}`,
      ];
      let a = await startGatewayOn(ns.a!, remoteArgs("a", "a"));
      const b1 = await startGatewayOn(ns.b!, remoteArgs("b", "b1"));
      const b2 = await startGatewayOn(ns.b!, remoteArgs("b", "b2"));
      procs.push(a.process, b1.process, b2.process);
      const hooks = await Promise.all(
        [a, b1, b2].map(async (g) =>
          (await g.process.waitFor(/Remote hook signals accepted on (\S+)/))[1]!
        ),
      );
      await run([
        "deno",
        "run",
        "-A",
        "--quiet",
        MAIN,
        "remote",
        "install-hook",
        "--repo",
        bare,
        ...hooks.flatMap((u) => ["--gateway", u]),
      ]);
      const alice = await new CredentialStore(a.state).addReviewer("alice");
      const bob = await new CredentialStore(b1.state).addReviewer("bob");

      // Host B's sandbox: an upstream, and a proxy following B1 and B2.
      const upstream = new HostProcess(ns.b!, [
        "deno",
        "eval",
        "Deno.serve({hostname:'127.0.0.1',port:0,onListen:({port})=>console.log('upstream '+port)},()=>new Response('hello'))",
      ]);
      procs.push(upstream);
      const up = Number((await upstream.waitFor(/upstream (\d+)/))[1]);
      const names = ["app", "race-a", "race-b", "late", "moved", "after-kill"].map((n) =>
        `${n}.example.com`
      );
      const proxy = new HostProcess(ns.b!, [
        "deno",
        "run",
        "-A",
        "--quiet",
        MAIN,
        "proxy",
        "--policy",
        "team",
        "--state",
        b1.state,
        "--policies",
        join(dir, "b1"),
        "--listen",
        "127.0.0.1:0",
        "--gateway",
        b1.url,
        "--gateway",
        b2.url,
        ...names.flatMap((n) => ["--resolve", `${n}:${up}:127.0.0.1`]),
      ]);
      procs.push(proxy);
      const proxyUrl = `http://127.0.0.1:${
        (await proxy.waitFor(/proxy listening on 127\.0\.0\.1:(\d+)/))[1]
      }`;
      const sandbox = async (host: string) =>
        (await nsCurl(ns.b!, ["-x", proxyUrl, `http://${host}:${up}/`])).status;
      const enforcing = (host: string) =>
        until(`${host} allowed on B`, async () => (await sandbox(host)) === 200);
      const visible = (gw: Gateway, token: string, id: string) =>
        until(
          `${id} on ${gw.url}`,
          async () => (await call(gw, "GET", `/v1/proposals/${id}`, token)).status === 200,
        );
      const approve = (gw: Gateway, token: string, id: string) =>
        call(gw, "POST", `/v1/proposals/${id}/approve`, token, {});

      const onRemote = (id: string) =>
        until(
          "the proposal on the remote",
          () =>
            git(bare, "ls-tree", "--name-only", "main", `pending/${id}.patch`).then((o) =>
              o.trim() !== ""
            ),
        );

      await t.step("remote #19: approve on A → the sandbox on B is enforcing", async () => {
        assert.equal(await sandbox("app.example.com"), 403);
        const id = await submit(b1, "app", "app.example.com", up);
        await visible(a, alice, id);
        const r = await approve(a, alice, id);
        assert.equal(r.status, 200, JSON.stringify(r.json));
        await enforcing("app.example.com");
      });

      await t.step(
        "remote #19: approvals racing on A and B both land, revisions consecutive",
        async () => {
          const idA = await submit(a, "race_a", "race-a.example.com", up);
          const idB = await submit(b1, "race_b", "race-b.example.com", up);
          const [ra, rb] = await Promise.all([approve(a, alice, idA), approve(b1, bob, idB)]);
          assert.deepEqual([ra.status, rb.status], [200, 200], JSON.stringify([ra.json, rb.json]));
          assert.deepEqual(await revisions(bare), [6, 5, 4, 3]);
          await enforcing("race-a.example.com");
          await enforcing("race-b.example.com");
        },
      );

      await t.step(
        "remote #19: of a conflicting pair the loser is refused with a clear message",
        async () => {
          const idA = await submit(a, "same_key", "late.example.com", up);
          const idB = await submit(b1, "same_key", "late.example.com", up + 1);
          const results = await Promise.all([approve(a, alice, idA), approve(b1, bob, idB)]);
          const lost = results.find((r) => r.status !== 200);
          assert.deepEqual(results.map((r) => r.status).sort(), [200, 409]);
          assert.match(lost!.json.detail, /already has a rule "same_key"/);
          assert.deepEqual((await revisions(bare))[0], 7);
        },
      );

      await t.step(
        "remote #19: the remote down → approvals refuse, proxies keep enforcing",
        async () => {
          const id = await submit(a, "moved", "moved.example.com", up);
          await onRemote(id);
          await remoteLinks(hosts!, false);
          try {
            const r = await approve(a, alice, id);
            assert.equal(r.status, 503, `${JSON.stringify(r.json)}\n${a.process.output}`);
            assert.match(r.json.detail, /the policy remote is unreachable.*proxies keep enforcing/);
            assert.equal(await sandbox("app.example.com"), 200);
            assert.equal(await sandbox("moved.example.com"), 403);
          } finally {
            await remoteLinks(hosts!, true);
          }
        },
      );

      await t.step(
        "remote #19: a proxy fails over to its second gateway, keeping its policy meanwhile",
        async () => {
          await b1.process.stop("SIGKILL");
          assert.equal(await sandbox("app.example.com"), 200);
          const id = await submit(a, "after_failover", "moved.example.com", up);
          assert.equal((await approve(a, alice, id)).status, 200);
          await enforcing("moved.example.com");
        },
      );

      await t.step(
        "remote #19: a gateway killed mid-push → on restart the repository and the remote agree",
        async () => {
          const id = await submit(a, "after_kill", "after-kill.example.com", up);
          await onRemote(id);
          await Deno.writeTextFile(join(dir, "stall-push"), "");
          const approving = approve(a, alice, id);
          await until(
            "a held push",
            () => Deno.lstat(join(dir, "stalled")).then(() => true, () => false),
          );
          await a.process.stop("SIGKILL");
          await Deno.remove(join(dir, "stall-push"));
          await approving;
          const hookPort = Number(/:(\d+)\//.exec(hooks[0]!)![1]);
          a = await startGatewayOn(ns.a!, remoteArgs("a", "a", hookPort));
          procs.push(a.process);
          const clone = join(dir, "a");
          await until(
            "the clone and the remote to agree",
            async () =>
              (await git(clone, "rev-parse", "HEAD")) === (await git(bare, "rev-parse", "main")) &&
              (await git(clone, "status", "--porcelain")) === "",
          );
          assert.match(await git(bare, "show", "main:team.yaml"), /after_kill:/);
          await enforcing("after-kill.example.com");
        },
      );
    } finally {
      for (const p of procs.reverse()) await p.stop();
      await hosts?.cleanup();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "remote #19: namespaces left by a killed run (its pid dead) are swept, with what runs in " +
    "them; a live run's are kept" +
    (hostsOk ? "" : " (skipped: needs root and network namespaces)"),
  ignore: !hostsOk,
  async fn() {
    const gone = new Deno.Command("true").spawn();
    await gone.status;
    const stale = hostName("remote", gone.pid);
    const live = hostName("keep");
    await run(["ip", "netns", "add", stale]);
    await run(["ip", "netns", "add", live]);
    const args = ["netns", "exec", stale, "sleep", "600"];
    const left = new Deno.Command("ip", { args, stdout: "null", stderr: "null" }).spawn();
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      await until(
        "the process in the namespace",
        async () => (await run(["ip", "netns", "pids", stale])).trim() !== "",
      );
      assert.deepEqual(await sweepStaleHosts(), [stale]);
      const listed = await run(["ip", "netns", "list"]);
      assert.doesNotMatch(listed, new RegExp(`^${stale}\\b`, "m"));
      assert.match(listed, new RegExp(`^${live}\\b`, "m"));
      // A liveness bound, not a speed target: the sweep ended the process left inside.
      const ended = await Promise.race([
        left.status.then(() => true),
        new Promise<false>((r) => timer = setTimeout(() => r(false), 30_000)),
      ]);
      assert.equal(ended, true, "the process in the stale namespace still runs");
    } finally {
      clearTimeout(timer);
      try {
        left.kill("SIGKILL");
      } catch {
        // Ended by the sweep.
      }
      await left.status;
      await run(["ip", "netns", "del", stale]).catch(() => {});
      await run(["ip", "netns", "del", live]);
    }
  },
});
