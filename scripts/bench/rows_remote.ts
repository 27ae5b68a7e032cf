/**
 * The remote rows (#19): two gateways sharing one Git remote (a bare repository over
 * `file://`, whose `post-receive` hook really runs and POSTs to gateway B's hook listener), and
 * a policy subscriber of gateway B (what a proxy of B runs before it swaps the policy in):
 * - approve on gateway A → B's subscriber has the new revision, with the hook;
 * - the same without the hook, B fetching every `FETCH_MS`.
 * Each approval is timed from the approve call (which fetches, commits and pushes) to the
 * moment B's subscriber received the revision.
 *
 * @module
 */

import { join } from "node:path";
import {
  GatewayClient,
  installPostReceiveHook,
  type RunningGateway,
  startGateway,
  subscribePolicy,
} from "../../gateway/mod.ts";
import { CONTROL_POLICY, createControlRepo, proposedRule } from "./rows_control.ts";
import type { BenchSetup } from "./setup.ts";
import type { Row } from "./row.ts";
import type { Sample } from "./report.ts";
import { summarize } from "./stats.ts";

/** B's fetch period in the row without the hook. */
export const FETCH_MS = 1_000;
const TIMEOUT_MS = 10_000;

async function git(cwd: string, ...args: string[]): Promise<string> {
  const out = await new Deno.Command("git", { args, cwd, stdout: "piped", stderr: "piped" })
    .output();
  if (!out.success) throw new Error(`git ${args[0]} failed`);
  return new TextDecoder().decode(out.stdout);
}

async function until(check: () => Promise<boolean> | boolean, what: string): Promise<void> {
  const end = Date.now() + TIMEOUT_MS;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function gateway(dir: string, name: string, bare: string, hook?: boolean) {
  const clone = join(dir, name);
  await git(dir, "clone", "-q", bare, clone);
  return await startGateway({
    policiesDir: join(clone, "policies"),
    stateDir: join(dir, `${name}-state`),
    listen: "127.0.0.1:0",
    remote: {
      url: `file://${bare}`,
      fetchIntervalMs: hook === false ? FETCH_MS : 60_000,
      hookListen: hook ? "127.0.0.1:0" : undefined,
    },
  });
}

async function measure(setup: BenchSetup, hook: boolean, count: number): Promise<Sample> {
  const dir = await Deno.makeTempDir({ dir: setup.dir, prefix: "remote-" });
  const seed = await createControlRepo({ ...setup, dir }, "seed");
  const bare = join(dir, "remote.git");
  await git(dir, "clone", "-q", "--bare", join(seed.policiesDir, ".."), bare);
  // The seed's branch is git's default; the gateways share `main`.
  const branch = (await git(bare, "symbolic-ref", "--short", "HEAD")).trim();
  if (branch !== "main") await git(bare, "branch", "-m", branch, "main");
  const a = await gateway(dir, "a", bare);
  const b: RunningGateway = await gateway(dir, "b", bare, hook);
  if (hook) await installPostReceiveHook(bare, [b.hookUrl!]);
  const seen = new Map<number, number>();
  const client = new GatewayClient({
    url: b.url,
    token: (await b.credentials.enrolProxy(CONTROL_POLICY)).token,
  });
  const controller = new AbortController();
  const following = subscribePolicy(client, CONTROL_POLICY, (_text, v) => {
    seen.set(v.revision, performance.now());
  }, controller.signal);
  const latencies: number[] = [];
  let firstError: string | undefined;
  const start = performance.now();
  try {
    for (let i = -1; i < count; i++) {
      try {
        const submitted = await a.store.submit({
          policy: CONTROL_POLICY,
          ruleName: `remote_${hook ? "h" : "f"}_${i + 1}`,
          rule: proposedRule(`remote-${hook ? "h" : "f"}-${i + 1}`, 443),
          rationale: "Benchmark remote",
        });
        if (!submitted.accepted) throw new Error(submitted.reasons.join("; "));
        const id = submitted.proposal.id;
        // Untimed: the proposal's own background push.
        await until(
          async () => (await git(bare, "ls-tree", "main", `policies/pending/${id}.patch`)) !== "",
          "the proposal's push",
        );
        const t0 = performance.now();
        const { revision } = await a.store.approve(id, { approvedBy: "bench" });
        await until(() => seen.has(revision), `revision ${revision} on B`);
        if (i >= 0) latencies.push(seen.get(revision)! - t0);
      } catch (error) {
        firstError ??= (error as Error).message;
      }
    }
  } finally {
    controller.abort();
    await following;
    await a.close();
    await b.close();
  }
  const errors = count - latencies.length;
  return {
    ...summarize(latencies, performance.now() - start),
    errors,
    ...(firstError ? { firstError } : {}),
  };
}

/**
 * The remote rows.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { budgetFor } from "./budget.ts";
 * import type { BenchSetup } from "./setup.ts";
 * import { remoteRows } from "./rows_remote.ts";
 *
 * const setup: BenchSetup = {
 *   budget: budgetFor(true),
 *   certs: { caPem: "", chainPem: "", keyPem: "" },
 *   upstreams: { httpPort: 9, httpsPort: 9, close: () => Promise.resolve() },
 *   dir: "/nonexistent",
 * };
 * assert.deepEqual(remoteRows(setup).map((row) => row.info.id), [
 *   "control.remote_hook",
 *   "control.remote_fetch",
 * ]);
 * ```
 */
export function remoteRows(setup: BenchSetup): Row[] {
  const withHook: Row = {
    info: {
      id: "control.remote_hook",
      group: "control",
      label:
        "approve on gateway A → gateway B's proxies have it (shared remote, post-receive hook)",
      per: "approval",
    },
    measure: () => measure(setup, true, setup.budget.approvals),
  };
  const byFetch: Row = {
    info: {
      id: "control.remote_fetch",
      group: "control",
      label: `approve on gateway A → gateway B's proxies have it (no hook, fetch every ${
        FETCH_MS / 1000
      } s)`,
      per: "approval",
    },
    measure: () => measure(setup, false, setup.budget.approvals),
  };
  return [withHook, byFetch];
}
