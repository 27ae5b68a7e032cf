/**
 * Fixtures of the `--scale` rows: the 10,000-rule bench policy, 10,000 pending proposals made by
 * copying one real proposal (patch and seal, each under a new id).
 *
 * @module
 */

import { createHash } from "node:crypto";
import { join } from "node:path";
import { stringify } from "yaml";
import { syntheticPolicy } from "../../tests/support/synthetic_policy.ts";
import { newProposalId, type ProposalStore } from "../../gateway/mod.ts";
import { proposedRule } from "./rows_control.ts";

/**
 * `n` synthetic rules as YAML lines under `network_policies:` (for `benchPolicyYaml`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { benchPolicyYaml, FIXED_EXE } from "./bench_policy.ts";
 * import { syntheticRulesYaml } from "./scale_fixtures.ts";
 * import { loadPolicyText } from "../../proxy/policy/mod.ts";
 *
 * const extraRules = syntheticRulesYaml(10);
 * const ports = { httpPort: 8080, httpsPort: 8443 };
 * const yaml = benchPolicyYaml({ ...ports, binaries: [FIXED_EXE], extraRules });
 * const { policy } = loadPolicyText(yaml, "bench.yaml");
 * assert.ok(Object.keys(policy.network_policies).length > 10); // the bench's own, plus ten
 * ```
 */
export function syntheticRulesYaml(n: number): string {
  const body = stringify(syntheticPolicy(n).network_policies, { lineWidth: 0 });
  return body.trimEnd().split("\n").map((line) => `  ${line}`).join("\n");
}

/**
 * Fill `pending/` with `count` proposals: one submitted for real, then copied under new ids
 * (patch text and seal rewritten), so the store treats each as one it wrote.
 *
 * @returns the ids, oldest first
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { budgetFor } from "./budget.ts";
 * import { CONTROL_POLICY, createControlRepo } from "./rows_control.ts";
 * import { fillPending } from "./scale_fixtures.ts";
 * import type { BenchSetup } from "./setup.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const setup: BenchSetup = {
 *   budget: budgetFor(true),
 *   certs: { caPem: "", chainPem: "", keyPem: "" },
 *   upstreams: { httpPort: 9, httpsPort: 9, close: () => Promise.resolve() },
 *   dir,
 * };
 * const { store } = await createControlRepo(setup);
 * const ids = await fillPending(store, CONTROL_POLICY, 5);
 * assert.equal(ids.length, 5);
 * assert.equal((await store.list({ status: "pending" })).length, 5);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function fillPending(
  store: ProposalStore,
  policy: string,
  count: number,
): Promise<string[]> {
  const first = await store.submit({
    policy,
    ruleName: "scale_pending",
    rule: proposedRule("scale-pending", 443),
    rationale: "Benchmark: one of many pending proposals",
    sandbox: "sb-scale",
  });
  if (!first.accepted) throw new Error(`Proposal refused: ${first.reasons.join("; ")}`);
  const id = first.proposal.id;
  const dir = join(store.policiesDir, "pending");
  const patch = await Deno.readTextFile(join(dir, `${id}.patch`));
  const seal = JSON.parse(await Deno.readTextFile(join(dir, ".index", `${id}.json`)));
  const ids = [id];
  const base = Date.parse("2020-01-01T00:00:00Z");
  for (let i = 1; i < count; i += 200) {
    const batch = Array.from({ length: Math.min(200, count - i) }, (_, j) => {
      const copy = newProposalId(new Date(base + (i + j) * 1000));
      const text = patch.replaceAll(id, copy);
      ids.push(copy);
      return Promise.all([
        Deno.writeTextFile(join(dir, `${copy}.patch`), text),
        Deno.writeTextFile(
          join(dir, ".index", `${copy}.json`),
          JSON.stringify({
            ...seal,
            id: copy,
            patchHashes: [createHash("sha256").update(text).digest("hex")],
          }) + "\n",
        ),
      ]);
    });
    await Promise.all(batch);
  }
  return ids.sort();
}
