/**
 * Control-plane rows: proposal submitted → visible in `pending/`, and approve → N connected
 * proxies enforcing. The policies directory is a real Git repository (approval commits).
 *
 * @module
 */

import { join } from "node:path";
import { Buffer } from "node:buffer";
import { ProposalStore } from "../../gateway/mod.ts";
import { plainOpener } from "./http_rows.ts";
import type { HttpConn } from "./http_conn.ts";
import type { ProxyStart } from "./rows_tollgate.ts";
import type { NetworkRule } from "../../proxy/policy/mod.ts";
import { benchPolicyYaml, FIXED_EXE } from "./bench_policy.ts";
import type { BenchSetup } from "./setup.ts";
import type { Row } from "./row.ts";
import type { RowInfo, Sample } from "./report.ts";
import { timeRuns } from "./time_runs.ts";
import { settleDisk } from "./settle_disk.ts";

/** The policy name (file `bench.yaml`) the control rows propose against. */
export const CONTROL_POLICY = "bench";

/** A policies directory under Git, with `bench.yaml` committed. */
export interface ControlRepo {
  policiesDir: string;
  store: ProposalStore;
}

/**
 * Create the control repository inside `setup.dir`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { budgetFor } from "./budget.ts";
 * import type { BenchSetup } from "./setup.ts";
 * import { createControlRepo } from "./rows_control.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const setup: BenchSetup = {
 *   budget: budgetFor(true),
 *   certs: { caPem: "", chainPem: "", keyPem: "" },
 *   upstreams: { httpPort: 9, httpsPort: 9, close: () => Promise.resolve() },
 *   dir,
 * };
 * const repo = await createControlRepo(setup);
 * assert.ok((await Deno.stat(`${repo.policiesDir}/bench.yaml`)).isFile);
 * assert.deepEqual(await repo.store.list(), []); // nothing proposed yet
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function createControlRepo(
  setup: BenchSetup,
  name = "control-repo",
  extraRules?: string,
): Promise<ControlRepo> {
  const root = join(setup.dir, name);
  const policiesDir = join(root, "policies");
  await Deno.mkdir(policiesDir, { recursive: true });
  const { httpPort, httpsPort } = setup.upstreams;
  await Deno.writeTextFile(
    join(policiesDir, `${CONTROL_POLICY}.yaml`),
    benchPolicyYaml({ httpPort, httpsPort, binaries: [FIXED_EXE], extraRules }),
  );
  await git(root, "init", "-q");
  // CI has no global identity: set one in this repository only.
  await git(root, "config", "user.name", "tollgate-bench");
  await git(root, "config", "user.email", "bench@tollgate.invalid");
  await git(root, "add", "-A");
  await git(root, "commit", "-q", "-m", "bench policy");
  return { policiesDir, store: new ProposalStore({ policiesDir }) };
}

async function git(cwd: string, ...args: string[]): Promise<void> {
  const out = await new Deno.Command("git", { args, cwd, stdout: "null", stderr: "piped" })
    .output();
  if (!out.success) {
    throw new Error(`git ${args[0]} failed: ${new TextDecoder().decode(out.stderr).trim()}`);
  }
}

/**
 * A narrow rule for a public-looking host, different for every `n` (so that no proposal is
 * a duplicate of another).
 *
 * @example
 * ```ts
 * proposedRule("p-1-3", 443).endpoints[0]?.host; // "p-1-3.bench-approved.example"
 * ```
 */
export function proposedRule(tag: string, port: number): NetworkRule {
  return {
    endpoints: [{
      host: `${tag}.bench-approved.example`,
      port,
      protocol: "rest",
      access: "read-only",
    }],
    binaries: [{ path: FIXED_EXE }],
  };
}

/**
 * Proposal submitted → visible in `pending/`, the agent's way: `POST
 * http://policy.local/v1/proposals` through a Tollgate proxy whose policy.local hands
 * proposals to the store (embedded mode), timed from the request until the patch file is
 * seen in `pending/` (stat, polled every millisecond after the 202).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { budgetFor } from "./budget.ts";
 * import type { BenchSetup } from "./setup.ts";
 * import { createControlRepo, proposalRow } from "./rows_control.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const setup: BenchSetup = {
 *   budget: budgetFor(true),
 *   certs: { caPem: "", chainPem: "", keyPem: "" },
 *   upstreams: { httpPort: 9, httpsPort: 9, close: () => Promise.resolve() },
 *   dir,
 * };
 * const repo = await createControlRepo(setup);
 * const row = proposalRow(setup, repo, { ok: false, note: "proxy did not start" });
 * assert.equal(row.info.id, "control.proposal_to_pending");
 * assert.equal(row.skipped, "proxy did not start");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function proposalRow(setup: BenchSetup, repo: ControlRepo, start: ProxyStart): Row {
  const info: RowInfo = {
    id: "control.proposal_to_pending",
    group: "control",
    label: "proposal submitted → visible in pending/",
    per: "proposal",
  };
  if (!start.ok) return { info, skipped: start.note };
  const open = plainOpener(start.proxy.port);
  let run = 0;
  return {
    info,
    measure: async () => {
      run++;
      await settleDisk();
      let conn: HttpConn | undefined;
      try {
        return await timeProposals(setup.budget.proposals, async (i) => {
          if (!conn || conn.dead) conn = await open();
          return await postProposal(conn, `bench_proposal_${run}_${i}`, `p-${run}-${i}`);
        }, join(repo.policiesDir, "pending"));
      } finally {
        conn?.close();
      }
    },
  };
}

async function postProposal(conn: HttpConn, ruleName: string, tag: string): Promise<string> {
  const body = JSON.stringify({
    intent_summary: "Benchmark proposal: read one public test API",
    operations: [{ addRule: { ruleName, rule: proposedRule(tag, 443) } }],
  });
  const request = `POST http://policy.local/v1/proposals HTTP/1.1\r\nHost: policy.local\r\n` +
    `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
  const response = await conn.request(Buffer.from(request));
  const parsed = JSON.parse(response.body.toString("utf8"));
  const id = parsed?.accepted_chunk_ids?.[0];
  if (response.status !== 202 || typeof id !== "string") {
    throw new Error(`Proposal not accepted (status ${response.status}): ${parsed?.error ?? ""}`);
  }
  return id;
}

async function timeProposals(
  count: number,
  submit: (i: number) => Promise<string>,
  pendingDir: string,
): Promise<Sample> {
  // The untimed first submission pays module and Git warm-up.
  return await timeRuns(count, () => submit(count), async (i) => {
    const t0 = performance.now();
    const id = await submit(i);
    await waitForFile(pendingDir, `${id}.patch`, 5000);
    return performance.now() - t0;
  });
}

async function waitForFile(dir: string, name: string, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    try {
      await Deno.stat(join(dir, name));
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  }
  throw new Error(`Proposal file "${name}" not in pending/ after ${timeoutMs} ms`);
}
