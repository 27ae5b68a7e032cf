/**
 * The cheap half of recovery: which pending proposals an interrupted approval (or a person
 * running `git am`) already applied. Only the seal, which Tollgate alone writes, and the rule
 * in the policy decide; a `# tollgate proposal <id>` marker only narrows the search.
 *
 * @module
 */

import { join } from "node:path";
import { parseYamlValue } from "../../proxy/policy/mod.ts";
import { isPolicyName, listPolicyNames } from "../repo/mod.ts";
import { proposalMarker, scopedRuleKey } from "../repo/mod.ts";
import { proposalFilePath, readSeal, ruleHash } from "../proposals/mod.ts";
import { pendingIds } from "./_pending_names.ts";

/**
 * Ids of pending proposals whose rule is already in their policy file (cheap; no lock): the
 * seal's rule key holds a rule with the seal's content hash. With `only`, just that proposal
 * is looked at (a status read), so the cost does not grow with the number pending.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PolicyCache } from "../repo/mod.ts";
 * import { submitProposal } from "../proposals/mod.ts";
 * import { approveProposal, appliedPendingIds } from "./mod.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/team.yaml`, "version: 1\n");
 * const env = {
 *   policiesDir: dir,
 *   now: () => new Date(),
 *   emit: () => {},
 *   notify: () => {},
 *   repo: () => Promise.resolve({ prefix: "" }), // not in Git: nothing is committed
 *   // Crash after the policy was written, before the patch moved to approved/.
 *   beforeStep: (step: string) => step === "move" ? Promise.reject(new Error("crash")) : Promise.resolve(),
 *   policies: new PolicyCache(),
 * };
 * const rule = { endpoints: [{ host: "api.github.com", port: 443 }], binaries: [{ path: "/bin/gh" }] };
 * const submitted = await submitProposal(env, { policy: "team", ruleName: "gh", rule, rationale: "r" });
 * assert(submitted.accepted);
 * const id = submitted.proposal.id;
 * await assert.rejects(approveProposal(env, id, { approvedBy: "alice" }), /crash/);
 * assert.deepEqual(await appliedPendingIds(dir), [id]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function appliedPendingIds(
  dir: string,
  only?: string,
  pending?: ReadonlySet<string>,
): Promise<string[]> {
  const texts = new Map<string, Promise<string | undefined>>();
  const out: string[] = [];
  for (const id of await markedPendingIds(dir, only, pending)) {
    const seal = await readSeal(dir, id);
    if (!seal || !isPolicyName(seal.policy)) continue;
    if (!texts.has(seal.policy)) {
      texts.set(
        seal.policy,
        Deno.readTextFile(join(dir, `${seal.policy}.yaml`)).catch(() => undefined),
      );
    }
    const text = await texts.get(seal.policy);
    // Cheap first (every approval and `git am` writes the marker), then the deciding check.
    if (!text?.includes(proposalMarker(seal.id))) continue;
    // Under its reviewed key, or the one a rule bound to a sandbox is written under.
    const keys = [seal.ruleKey, scopedRuleKey(seal.ruleKey, seal.id)];
    if (keys.some((key) => ruleHashIn(text, key) === seal.ruleHash)) out.push(seal.id);
  }
  return out;
}

/**
 * Pending ids whose marker is in some policy file: every approval (and `git am`) writes the
 * marker, so only these can have been applied. Reading the policies once and the pending
 * listing (names only) replaces reading the seal of every pending proposal.
 */
async function markedPendingIds(
  dir: string,
  only?: string,
  listed?: ReadonlySet<string>,
): Promise<string[]> {
  const out = new Set<string>();
  const marked = new Set<string>();
  for (const name of await listPolicyNames(dir).catch(() => [])) {
    const text = await Deno.readTextFile(join(dir, `${name}.yaml`)).catch(() => "");
    if (only !== undefined) {
      if (text.includes(proposalMarker(only))) out.add(only);
      continue;
    }
    for (const m of text.matchAll(MARKER)) marked.add(m[1]!);
  }
  if (only === undefined && marked.size > 0) {
    // Markers first: with none in any policy, the pending listing is not needed at all.
    const pending = listed ?? await pendingIds(dir);
    for (const id of marked) if (pending.has(id)) out.add(id);
  }
  if (only !== undefined && out.size > 0) {
    const live = await Deno.lstat(proposalFilePath(dir, "pending", only)).then(() => 1, () => 0);
    if (!live) return [];
  }
  return [...out].sort();
}

const MARKER = /# tollgate proposal (p-\d{8}T\d{6}-[a-z0-9]{6})/g;

function ruleHashIn(text: string, key: string): string | undefined {
  try {
    const rules = (parseYamlValue(text) as { network_policies?: Record<string, unknown> } | null)
      ?.network_policies;
    const rule = rules?.[key];
    return typeof rule === "object" && rule !== null ? ruleHash(rule) : undefined;
  } catch {
    return undefined;
  }
}
