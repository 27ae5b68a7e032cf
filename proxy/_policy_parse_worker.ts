/**
 * The worker that parses, validates and hashes a large policy text for `loadOffThread()`, so
 * the proxy's event loop keeps serving requests meanwhile. It answers one message with the
 * policy in a compact form (`PlanAnswer`) or with `{issues}`. Given the policy's JSON document
 * too, it validates that (JSON.parse is far cheaper than a YAML parse) and parses the text only
 * when the JSON is not a clean policy.
 *
 * @module
 */

import {
  parsePolicy,
  parseRuleLeases,
  planPolicy,
  policyFromJson,
  policyHash,
} from "./policy/mod.ts";

/** The worker's side of the channel (its global scope). */
const scope = globalThis as unknown as {
  onmessage: ((event: MessageEvent<{ text: string; file: string; json?: string }>) => void) | null;
  postMessage(message: unknown, transfer: Transferable[]): void;
};

scope.onmessage = (event) => {
  const { text, file, json } = event.data;
  const fromJson = json === undefined ? undefined : policyFromJson(json);
  const { policy, issues, warnings } = fromJson
    ? { policy: fromJson, issues: [], warnings: undefined }
    : parsePolicy(text, file);
  if (!policy) return scope.postMessage({ issues }, []);
  // Flat data crosses the channel: strings and typed arrays (moved, not copied). The receiving
  // thread indexes the slots and parses a rule only when a request first reaches it, so a
  // 10,000-rule object graph is never rebuilt on its heap in one go.
  const plan = planPolicy(policy);
  const rules = Object.values(policy.network_policies);
  const offsets = new Int32Array(rules.length + 1);
  const parts: string[] = [];
  let at = 0;
  rules.forEach((rule, i) => {
    const json = JSON.stringify(rule);
    parts.push(json);
    offsets[i + 1] = at += json.length;
  });
  const { network_policies: _, ...head } = policy;
  const answer = {
    hash: policyHash(policy),
    warnings,
    head: JSON.stringify(head),
    rules: parts.join(""),
    offsets,
    plan,
    leases: parseRuleLeases(text),
  };
  scope.postMessage(
    answer,
    [offsets, plan.keyOffsets, plan.refs].map((a) => a.buffer as ArrayBuffer),
  );
};
