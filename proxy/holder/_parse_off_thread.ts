/**
 * Load a policy text without blocking the event loop: large texts are validated, hashed and
 * planned by the proxy's long-lived `LoadWorker`, which ships the rules as one JSON string with
 * offsets and the grant index as flat data; this thread indexes the slots and parses a rule the
 * first time a request reaches it. Small texts are loaded here, where the round trip would cost
 * more than the parse. Given the policy's JSON document too (a gateway's push), either side
 * validates that instead of parsing the YAML, and parses the YAML only when the JSON is not a
 * clean policy.
 *
 * @module
 */

import {
  type CompiledPolicy,
  type CompileOptions,
  compilePlanInSlices,
  type LoadAnswer,
  type LoadedPolicy,
  loadPolicyJson,
  loadPolicyText,
  type LoadWorker,
  type NetworkRule,
  planKey,
  type Policy,
  type PolicyIssue,
  PolicyValidationError,
  type ValidatedRules,
} from "../policy/mod.ts";

/** Texts at least this long (UTF-16 units) are loaded by the worker: about 1,000 rules. */
export const OFF_THREAD_CHARS = 256 * 1024;

/** A loaded policy and its revision (read without building the whole policy object). */
export type OffThreadLoaded = LoadedPolicy & { revision: number };

/** Options of {@linkcode loadOffThread}. */
export interface OffThreadOptions {
  /** How the matchers are compiled (e.g. the binary resolver). */
  compile: CompileOptions;
  /** The same policy as a JSON document (a gateway's push): validated instead of the text. */
  json?: string;
  /** The text as UTF-8 slices, moved to the worker instead of encoding the text here. */
  utf8?: Uint8Array<ArrayBuffer>[];
  /** The worker that loads large texts. */
  worker: LoadWorker;
  /** The rules of the last clean push loaded here, lent to the next (`loadPolicyJson`). */
  known?: ValidatedRules;
}

/**
 * `loadPolicyText()` off the request path: only the grant index is built on this thread (the
 * matchers compile on first use); binary real paths are looked up once per path. When the
 * worker fails (it is then dropped, and the next load starts a fresh one) the text is loaded
 * here: blocking, but the reload still happens.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadOffThread } from "./_parse_off_thread.ts";
 * import { LoadWorker } from "../policy/mod.ts";
 * using worker = new LoadWorker();
 * const loaded = await loadOffThread("version: 1\nrevision: 2\n", "p.yaml", {
 *   compile: {},
 *   worker,
 * });
 * assert(!("issues" in loaded) && loaded.revision === 2);
 * ```
 */
export async function loadOffThread(
  text: string,
  file: string,
  { compile, json, utf8, worker, known }: OffThreadOptions,
): Promise<OffThreadLoaded | { issues: PolicyIssue[] }> {
  if (text.length >= OFF_THREAD_CHARS) {
    const answer = await worker.load(text, file, { json, utf8 }).catch(() => undefined);
    if (answer && "issues" in answer) return { issues: answer.issues };
    if (answer) return await fromAnswer(text, file, answer, compile);
  }
  try {
    const loaded = (json !== undefined && loadPolicyJson(json, text, file, compile, known)) ||
      loadPolicyText(text, file, compile);
    return Object.assign(loaded, { revision: loaded.policy.revision });
  } catch (error) {
    if (error instanceof PolicyValidationError) return { issues: error.issues };
    throw error;
  }
}

/** Slots indexed between two turns of the event loop (about a millisecond). */
const SLICE_SLOTS = 1000;

async function fromAnswer(
  text: string,
  file: string,
  answer: LoadAnswer,
  options: CompileOptions,
): Promise<OffThreadLoaded> {
  const { plan, offsets, leases } = answer;
  const rules = new Map<number, NetworkRule>();
  const decoder = new TextDecoder();
  const rule = (i: number): NetworkRule => {
    const found = rules.get(i);
    if (found) return found;
    const json = decoder.decode(answer.rules.subarray(offsets[i], offsets[i + 1]));
    const parsed = JSON.parse(json) as NetworkRule;
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
  // A turn before the first slice too: the reply was just decoded in this one.
  let step: IteratorResult<void, CompiledPolicy>;
  do {
    await new Promise((r) => setTimeout(r, 0));
    step = steps.next();
  } while (!step.done);
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
