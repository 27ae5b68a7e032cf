/**
 * Parse a policy text without blocking the event loop: large texts go to a short-lived Worker
 * (`_policy_parse_worker.ts`), small ones are parsed here, where a worker's start would cost more
 * than the parse.
 *
 * @module
 */

import {
  compileInSlices,
  type CompileOptions,
  type LoadedPolicy,
  parsePolicy,
  parseRuleLeases,
  type Policy,
  policyHash,
  type PolicyIssue,
} from "./policy/mod.ts";

/** Texts at least this long (UTF-16 units) are parsed in a worker: about 1,000 rules. */
export const OFF_THREAD_CHARS = 256 * 1024;

/** A parsed and hashed policy, or its issues. */
export type Parsed =
  | { policy: Policy; hash: string; warnings?: PolicyIssue[] }
  | { policy?: undefined; issues: PolicyIssue[] };

/**
 * Parse, validate and hash `text`; off the event loop when it is large.
 *
 * @example
 * ```ts
 * import { parseOffThread } from "./_parse_off_thread.ts";
 * const parsed = await parseOffThread("version: 1\n", "p.yaml");
 * console.assert(parsed.policy?.revision === 0);
 * ```
 */
export async function parseOffThread(text: string, file: string): Promise<Parsed> {
  if (text.length < OFF_THREAD_CHARS) {
    const { policy, issues, warnings } = parsePolicy(text, file);
    if (!policy) return { issues };
    return warnings
      ? { policy, hash: policyHash(policy), warnings }
      : { policy, hash: policyHash(policy) };
  }
  const answer = await inWorker(text, file);
  if ("issues" in answer) return { issues: answer.issues };
  const policy = JSON.parse(answer.json) as Policy;
  return answer.warnings
    ? { policy, hash: answer.hash, warnings: answer.warnings }
    : { policy, hash: answer.hash };
}

type Answer = { json: string; hash: string; warnings?: PolicyIssue[] } | { issues: PolicyIssue[] };

function inWorker(text: string, file: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL("./_policy_parse_worker.ts", import.meta.url), {
      type: "module",
    });
    worker.onmessage = (event: MessageEvent<Answer>) => {
      worker.terminate();
      resolve(event.data);
    };
    worker.onerror = (event) => {
      event.preventDefault();
      worker.terminate();
      reject(new Error(`Policy parse worker failed: ${event.message}`));
    };
    worker.postMessage({ text, file });
  });
}

/** Rules compiled between two turns of the event loop (a few ms each). */
const SLICE_RULES = 250;

/**
 * `loadPolicyText()` off the request path: parsed, validated and hashed by `parseOffThread`,
 * then compiled (leases included) in slices of 250 rules with a turn of the event loop between
 * them. Binary real paths are looked up once per path for the whole compile.
 *
 * @example
 * ```ts
 * import { loadOffThread } from "./_parse_off_thread.ts";
 * const loaded = await loadOffThread("version: 1\n", "p.yaml", {});
 * console.assert(!("issues" in loaded) && loaded.compiled.ruleCount === 0);
 * ```
 */
export async function loadOffThread(
  text: string,
  file: string,
  options: CompileOptions,
): Promise<LoadedPolicy | { issues: PolicyIssue[] }> {
  const parsed = await parseOffThread(text, file);
  if (!parsed.policy) return { issues: parsed.issues };
  // As loadPolicyText(): the leases in Tollgate's comments are compiled in.
  const leases = parseRuleLeases(text);
  const compileOptions = { ...options, resolveBinary: remembered(options.resolveBinary) };
  if (leases.size) compileOptions.leases = leases;
  const steps = compileInSlices(parsed.policy, compileOptions, SLICE_RULES);
  let step = steps.next();
  for (; !step.done; step = steps.next()) await new Promise((r) => setTimeout(r, 0));
  const { policy, hash, warnings } = parsed;
  const loaded: LoadedPolicy = { file, text, policy, compiled: step.value, hash };
  if (leases.size) loaded.leases = leases;
  if (warnings) loaded.warnings = warnings;
  return loaded;
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
