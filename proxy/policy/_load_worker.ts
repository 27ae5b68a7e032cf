/**
 * The long-lived worker behind {@linkcode LoadWorker}: it validates, hashes and plans a large
 * policy so the proxy's event loop keeps serving requests meanwhile. Each message
 * (`LoadRequest`) gets one answer: the policy in a compact form (`LoadAnswer`) or `{issues}`.
 * Given the policy's JSON document too, it validates that (JSON.parse is far cheaper than a
 * YAML parse); the YAML stack is imported only when a text has to be parsed, so a worker that
 * only ever sees pushes never loads it.
 *
 * @module
 */

import { canonicalPolicy } from "./_policy_canonical.ts";
import type { LoadAnswer, LoadReply, LoadRequest } from "./load_worker.ts";
import { policyFromJson } from "./policy_from_json.ts";
import { planPolicy } from "./policy_plan.ts";
import { parseRuleLeases } from "./rule_leases.ts";
import type { Policy, PolicyIssue } from "./types.ts";

/** The worker's side of the channel (its global scope). */
const scope = globalThis as unknown as {
  onmessage: ((event: MessageEvent<LoadRequest>) => void) | null;
  postMessage(message: LoadReply, transfer: Transferable[]): void;
};

scope.onmessage = async (event) => {
  const { id, text, file, json } = event.data;
  const fromJson = json === undefined ? undefined : policyFromJson(json);
  const { policy, issues, warnings } = fromJson
    ? { policy: fromJson, issues: [], warnings: undefined }
    : await parseText(text, file);
  if (!policy) return scope.postMessage({ id, issues }, []);
  const answer = await answerOf(policy, text, warnings);
  scope.postMessage(
    { id, answer },
    [answer.offsets, answer.plan.keyOffsets, answer.plan.refs].map((a) => a.buffer as ArrayBuffer),
  );
};

async function parseText(
  text: string,
  file: string,
): Promise<{ policy?: Policy; issues: PolicyIssue[]; warnings?: PolicyIssue[] }> {
  const { parsePolicy } = await import("./parse_policy.ts");
  return parsePolicy(text, file);
}

// Flat data crosses the channel: strings and typed arrays (moved, not copied). The receiving
// thread indexes the slots and parses a rule only when a request first reaches it, so a
// 10,000-rule object graph is never rebuilt on its heap in one go.
async function answerOf(
  policy: Policy,
  text: string,
  warnings: PolicyIssue[] | undefined,
): Promise<LoadAnswer> {
  const plan = planPolicy(policy);
  const rules = Object.values(policy.network_policies);
  const offsets = new Int32Array(rules.length + 1);
  let joined = "";
  rules.forEach((rule, i) => {
    joined += JSON.stringify(rule);
    offsets[i + 1] = joined.length;
  });
  const { network_policies: _, ...head } = policy;
  const answer: LoadAnswer = {
    hash: await sha256Hex(canonicalPolicy(policy)),
    head: JSON.stringify(head),
    rules: joined,
    offsets,
    plan,
    leases: parseRuleLeases(text),
  };
  if (warnings) answer.warnings = warnings;
  return answer;
}

/** The same digest as `policyHash()`'s node:crypto one, without loading node:crypto here. */
async function sha256Hex(text: string): Promise<string> {
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)),
  );
  let hex = "";
  for (const byte of digest) hex += byte.toString(16).padStart(2, "0");
  return hex;
}
