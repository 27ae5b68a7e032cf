/**
 * Load a policy text without blocking the event loop: large texts are parsed, validated,
 * hashed and planned by a short-lived Worker (`_policy_parse_worker.ts`), which ships the rules
 * as one JSON string with offsets and the grant index as flat data; this thread indexes the
 * slots and parses a rule the first time a request reaches it. Small texts are loaded here,
 * where a worker's start would cost more than the parse. Given the policy's JSON document too
 * (a gateway's push), either side validates that instead of parsing the YAML, and parses the
 * YAML only when the JSON is not a clean policy.
 *
 * @module
 */

import {
  type CompileOptions,
  compilePlanInSlices,
  type LoadedPolicy,
  loadPolicyJson,
  loadPolicyText,
  type NetworkRule,
  planKey,
  type Policy,
  type PolicyIssue,
  type PolicyPlan,
  PolicyValidationError,
  type RuleLease,
} from "./policy/mod.ts";

/** Texts at least this long (UTF-16 units) are parsed in a worker: about 1,000 rules. */
export const OFF_THREAD_CHARS = 256 * 1024;

/** A loaded policy and its revision (read without building the whole policy object). */
export type OffThreadLoaded = LoadedPolicy & { revision: number };

/** What the worker answers for a valid policy. */
interface PlanAnswer {
  hash: string;
  warnings?: PolicyIssue[];
  /** The policy without `network_policies`, as JSON. */
  head: string;
  /** Every rule's JSON, in the policy's order, one after the other. */
  rules: string;
  /** Where rule `i` starts and ends in `rules`: `offsets[i]`, `offsets[i + 1]`. */
  offsets: Int32Array;
  plan: PolicyPlan;
  leases: Map<string, RuleLease>;
}

/**
 * `loadPolicyText()` off the request path: only the grant index is built on this thread (the
 * matchers compile on first use); binary real paths are looked up once per path. `json`, when
 * given, is the same policy as a JSON document: it is validated instead of parsing `text`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadOffThread } from "./_parse_off_thread.ts";
 * const loaded = await loadOffThread("version: 1\nrevision: 2\n", "p.yaml", {});
 * assert(!("issues" in loaded) && loaded.revision === 2);
 * ```
 */
export async function loadOffThread(
  text: string,
  file: string,
  options: CompileOptions,
  json?: string,
): Promise<OffThreadLoaded | { issues: PolicyIssue[] }> {
  if (text.length < OFF_THREAD_CHARS) {
    try {
      const loaded = (json !== undefined && loadPolicyJson(json, text, file, options)) ||
        loadPolicyText(text, file, options);
      return Object.assign(loaded, { revision: loaded.policy.revision });
    } catch (error) {
      if (error instanceof PolicyValidationError) return { issues: error.issues };
      throw error;
    }
  }
  const answer = await inWorker(text, file, json);
  return "issues" in answer
    ? { issues: answer.issues }
    : await fromAnswer(text, file, answer, options);
}

/** Slots indexed between two turns of the event loop (about a millisecond). */
const SLICE_SLOTS = 1000;

async function fromAnswer(
  text: string,
  file: string,
  answer: PlanAnswer,
  options: CompileOptions,
): Promise<OffThreadLoaded> {
  const { plan, offsets, leases } = answer;
  const rules = new Map<number, NetworkRule>();
  const rule = (i: number): NetworkRule => {
    const found = rules.get(i);
    if (found) return found;
    const parsed = JSON.parse(answer.rules.slice(offsets[i], offsets[i + 1])) as NetworkRule;
    rules.set(i, parsed);
    return parsed;
  };
  const head = JSON.parse(answer.head) as Omit<Policy, "network_policies">;
  let whole: Policy | undefined;
  const policy = () =>
    whole ??= {
      ...head,
      network_policies: Object.fromEntries(
        Array.from({ length: offsets.length - 1 }, (_, i) => [planKey(plan, i), rule(i)]),
      ),
    };
  const compileOptions = { ...options, resolveBinary: remembered(options.resolveBinary) };
  if (leases.size) compileOptions.leases = leases;
  const steps = compilePlanInSlices(plan, { rule, policy }, compileOptions, SLICE_SLOTS);
  let step = steps.next();
  for (; !step.done; step = steps.next()) await new Promise((r) => setTimeout(r, 0));
  const compiled = step.value;
  const loaded: OffThreadLoaded = {
    file,
    text,
    get policy() {
      return policy();
    },
    compiled,
    hash: answer.hash,
    revision: head.revision,
  };
  if (leases.size) loaded.leases = leases;
  if (answer.warnings) loaded.warnings = answer.warnings;
  return loaded;
}

function inWorker(
  text: string,
  file: string,
  json: string | undefined,
): Promise<PlanAnswer | { issues: PolicyIssue[] }> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL("./_policy_parse_worker.ts", import.meta.url), {
      type: "module",
    });
    worker.onmessage = (event: MessageEvent<PlanAnswer | { issues: PolicyIssue[] }>) => {
      worker.terminate();
      resolve(event.data);
    };
    worker.onerror = (event) => {
      event.preventDefault();
      worker.terminate();
      reject(new Error(`Policy parse worker failed: ${event.message}`));
    };
    worker.postMessage({ text, file, json });
  });
}

/** `resolve`, remembering each path's answer (10,000 rules share a few binaries). */
function remembered(
  resolve: CompileOptions["resolveBinary"],
): CompileOptions["resolveBinary"] {
  if (!resolve) return undefined;
  const seen = new Map<string, string | undefined>();
  return (path) => {
    if (!seen.has(path)) seen.set(path, resolve(path));
    return seen.get(path);
  };
}
