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
  HostProcess,
  type Hosts,
  makeHosts,
  nsCurl,
  remoteLinks,
  run,
} from "./remote_hosts.ts";
import {
  callGateway,
  DENO_RUN,
  type Gateway,
  git,
  MAIN,
  makeRemote,
  revisions,
  startGatewayOn,
  submitRule,
  until,
} from "./remote_support.ts";

const SERVER = fileURLToPath(new URL("./remote_git_http.ts", import.meta.url));
const hostsOk = await canMakeHosts();

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
      const server = new HostProcess(ns.remote!, [...DENO_RUN, SERVER, dir, "0.0.0.0"]);
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
      const gateways = hooks.flatMap((u) => ["--gateway", u]);
      await run([...DENO_RUN, MAIN, "remote", "install-hook", "--repo", bare, ...gateways]);
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
        ...[...DENO_RUN, MAIN, "proxy", "--policy", "team", "--listen", "127.0.0.1:0"],
        ...["--state", b1.state, "--policies", join(dir, "b1")],
        ...["--gateway", b1.url, "--gateway", b2.url],
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
          async () => (await callGateway(gw, "GET", `/v1/proposals/${id}`, token)).status === 200,
        );
      const approve = (gw: Gateway, token: string, id: string) =>
        callGateway(gw, "POST", `/v1/proposals/${id}/approve`, token, {});

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
        const id = await submitRule(b1, "app", "app.example.com", up);
        await visible(a, alice, id);
        const r = await approve(a, alice, id);
        assert.equal(r.status, 200, JSON.stringify(r.json));
        await enforcing("app.example.com");
      });

      await t.step(
        "remote #19: approvals racing on A and B both land, revisions consecutive",
        async () => {
          const idA = await submitRule(a, "race_a", "race-a.example.com", up);
          const idB = await submitRule(b1, "race_b", "race-b.example.com", up);
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
          const idA = await submitRule(a, "same_key", "late.example.com", up);
          const idB = await submitRule(b1, "same_key", "late.example.com", up + 1);
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
          const id = await submitRule(a, "moved", "moved.example.com", up);
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
          const id = await submitRule(a, "after_failover", "moved.example.com", up);
          assert.equal((await approve(a, alice, id)).status, 200);
          await enforcing("moved.example.com");
        },
      );

      await t.step(
        "remote #19: a gateway killed mid-push → on restart the repository and the remote agree",
        async () => {
          const id = await submitRule(a, "after_kill", "after-kill.example.com", up);
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
