/**
 * Control-plane rows: proposal submitted → visible in `pending/`, and approve → N connected
 * proxies enforcing. The policies directory is a real Git repository (approval commits).
 *
 * @module
 */

import { join } from "node:path";
import { ProposalStore } from "../../gateway/mod.ts";
import type { NetworkRule } from "../../proxy/policy/mod.ts";
import { benchPolicyYaml, FIXED_EXE } from "./bench_policy.ts";
import type { BenchSetup } from "./setup.ts";
import type { Row } from "./row.ts";
import type { RowInfo, Sample } from "./report.ts";
import { summarize } from "./stats.ts";

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
 * ```ts ignore
 * const repo = await createControlRepo(setup);
 * ```
 */
export async function createControlRepo(setup: BenchSetup): Promise<ControlRepo> {
  const root = join(setup.dir, "control-repo");
  const policiesDir = join(root, "policies");
  await Deno.mkdir(policiesDir, { recursive: true });
  const { httpPort, httpsPort } = setup.upstreams;
  await Deno.writeTextFile(
    join(policiesDir, `${CONTROL_POLICY}.yaml`),
    benchPolicyYaml({ httpPort, httpsPort, binaries: [FIXED_EXE] }),
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

/** The approve → enforcing row. */
export const APPROVE_INFO: RowInfo = {
  id: "control.approve_to_enforcing",
  group: "control",
  label: "approve → 10 connected proxies enforcing",
  per: "approval",
};

/**
 * Proposal submitted → visible in `pending/`: each submission is timed from the call until
 * its patch file is seen in `pending/` (stat, polled every millisecond).
 *
 * @example
 * ```ts ignore
 * const row = proposalRow(setup, () => createControlRepo(setup));
 * ```
 */
export function proposalRow(setup: BenchSetup, repo: () => Promise<ControlRepo>): Row {
  let run = 0;
  return {
    info: {
      id: "control.proposal_to_pending",
      group: "control",
      label: "proposal submitted → visible in pending/",
      per: "proposal",
    },
    measure: async () => {
      const { store, policiesDir } = await repo();
      run++;
      return await timeProposals(setup.budget.proposals, async (i) => {
        const result = await store.submit({
          policy: CONTROL_POLICY,
          ruleName: `bench_proposal_${run}_${i}`,
          rule: proposedRule(`p-${run}-${i}`, 443),
          rationale: "Benchmark proposal",
        });
        if (!result.accepted) throw new Error(`Proposal refused: ${result.reasons.join("; ")}`);
        return result.proposal.id;
      }, join(policiesDir, "pending"));
    },
  };
}

async function timeProposals(
  count: number,
  submit: (i: number) => Promise<string>,
  pendingDir: string,
): Promise<Sample> {
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  // One untimed submission first: the first one pays module and Git warm-up.
  await submit(count).catch(() => {});
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    try {
      const id = await submit(i);
      await waitForFile(pendingDir, `${id}.patch`, 5000);
      latencies.push(performance.now() - t0);
    } catch (error) {
      errors++;
      firstError ??= (error as Error).message;
    }
  }
  return {
    ...summarize(latencies, performance.now() - start),
    errors,
    ...(firstError ? { firstError } : {}),
  };
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
