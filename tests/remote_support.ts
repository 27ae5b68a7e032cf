/**
 * Fixtures of the remote tests: a bare policy remote seeded with `team.yaml` at its root,
 * plain git helpers, a proposal for a given host, and gateways started in a host's namespace.
 *
 * @module
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { RemoteProposalStore, RemoteSync } from "../gateway/remote/mod.ts";
import type { ProposalInput } from "../proxy/policy_local/mod.ts";
import { TEAM_POLICY } from "./gateway_fixtures.ts";
import { HostProcess, nsCurl } from "./remote_hosts.ts";

/** Run git (unhardened: the test's own view) and return stdout; throws on failure. */
export async function git(cwd: string, ...args: string[]): Promise<string> {
  const out = await new Deno.Command("git", { args, cwd, stdout: "piped", stderr: "piped" })
    .output();
  const d = new TextDecoder();
  if (out.code !== 0) throw new Error(`git ${args.join(" ")}: ${d.decode(out.stderr)}`);
  return d.decode(out.stdout);
}

/** A bare remote (`remote.git`) in `dir`, its `main` holding `team.yaml` at the root. */
export async function makeRemote(dir: string, policy = TEAM_POLICY): Promise<string> {
  const seed = join(dir, "seed");
  await Deno.mkdir(seed, { recursive: true });
  await Deno.writeTextFile(join(seed, "team.yaml"), policy);
  await git(seed, "init", "--quiet", "-b", "main");
  await git(seed, "-c", "user.name=Seed", "-c", "user.email=s@example.test", "add", ".");
  await git(
    seed,
    "-c",
    "user.name=Seed",
    "-c",
    "user.email=s@example.test",
    "commit",
    "-qm",
    "seed",
  );
  const bare = join(dir, "remote.git");
  await git(dir, "clone", "--quiet", "--bare", seed, bare);
  await git(bare, "config", "http.receivepack", "true");
  return bare;
}

/** A proposal of one L4 rule `key` for `host:port`, by curl. */
export function ruleProposal(key: string, host: string, port = 443): ProposalInput {
  return {
    policy: "team",
    ruleName: key,
    rationale: `reach ${host}`,
    rule: { name: key, endpoints: [{ host, port }], binaries: [{ path: "/usr/bin/curl" }] },
  };
}

/** The `revision:` of each `team.yaml` on `main`'s history, newest first. */
export async function revisions(bare: string): Promise<number[]> {
  const log = await git(bare, "log", "--format=%H", "main", "--", "team.yaml");
  const out: number[] = [];
  for (const commit of log.trim().split("\n")) {
    const text = await git(bare, "show", `${commit}:team.yaml`);
    out.push(Number(/^(?:# tollgate-)?revision: (\d+)/m.exec(text)?.[1] ?? 0));
  }
  return out;
}

/** The tollgate CLI entry, for gateways started in a namespace. */
export const MAIN = fileURLToPath(new URL("../main.ts", import.meta.url));

/** The command line that runs a Deno script with every permission, quietly. */
export const DENO_RUN = ["deno", "run", "-A", "--quiet"];

/** Poll `check` every 100 ms until it answers a value (not false); throws after `ms`. */
export async function until<T>(
  what: string,
  check: () => Promise<T | undefined>,
  ms = 30_000,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > end) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A `tollgate gateway` running in a namespace, with its URL, state folder and arguments. */
export interface Gateway {
  ns: string;
  url: string;
  state: string;
  args: string[];
  process: HostProcess;
}

/** Start `tollgate gateway <args>` in namespace `ns` and wait for its URL. */
export async function startGatewayOn(ns: string, args: string[]): Promise<Gateway> {
  const process = new HostProcess(ns, [...DENO_RUN, MAIN, "gateway", ...args]);
  const url = (await process.waitFor(/Gateway listening on (http:\S+)/))[1]!;
  const state = args[args.indexOf("--state") + 1]!;
  return { ns, url, state, args, process };
}

/** A gateway's answer: its status and parsed JSON body. */
export interface GatewayAnswer {
  status: number;
  // The body's shape differs by route; each test reads the fields it expects.
  // deno-lint-ignore no-explicit-any
  json: any;
}

/** JSON call to a gateway from inside its namespace. */
export async function callGateway(
  gw: Gateway,
  method: string,
  path: string,
  token: string,
  body?: unknown,
): Promise<GatewayAnswer> {
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

/** Enrol a sandbox on `gw` and submit an L4 rule `key` for host:port; the proposal id. */
export async function submitRule(
  gw: Gateway,
  key: string,
  host: string,
  port: number,
): Promise<string> {
  const hostToken = (await Deno.readTextFile(join(gw.state, "gateway.token"))).trim();
  const enrolled = await callGateway(gw, "POST", "/v1/sandboxes", hostToken, { policy: "team" });
  const rule = { name: key, endpoints: [{ host, port }], binaries: [{ path: "/usr/bin/curl" }] };
  const body = { policy: "team", ruleName: key, rule, rationale: `reach ${host}` };
  const r = await callGateway(gw, "POST", "/v1/proposals", enrolled.json.token, body);
  assert.equal(r.json.accepted, true, JSON.stringify(r.json));
  return r.json.proposal.id;
}

/**
 * One host's checkout of `bare` in `<dir>/a`, synced (no periodic fetch: the test drives it),
 * with the proposal store a gateway on that host would use.
 */
export async function openRemoteClone(
  dir: string,
  bare: string,
): Promise<{ policiesDir: string; sync: RemoteSync; store: RemoteProposalStore }> {
  const policiesDir = join(dir, "a");
  const sync = await RemoteSync.open({ policiesDir, url: `file://${bare}`, fetchIntervalMs: 0 });
  await sync.start();
  return { policiesDir, sync, store: new RemoteProposalStore({ policiesDir }, sync) };
}
