/**
 * The long-lived worker behind {@linkcode LoadWorker}: it validates, hashes and plans a large
 * policy so the proxy's event loop keeps serving requests meanwhile. Each message
 * (`LoadRequest`) gets one answer: the policy in a compact form (`LoadAnswer`) or `{issues}`.
 * Given the policy's JSON document too, it validates that (JSON.parse is far cheaper than a
 * YAML parse), or, given a change from the policy it loaded last (`PolicyDelta`, a large
 * policy's push), applies it and writes only the changed rules' texts; the YAML stack is imported only when a text has to be parsed, so a worker that
 * only ever sees pushes never loads it.
 *
 * @module
 */

import { LoadedRules, type RememberedPolicy } from "./_loaded_rules.ts";
import { decodeSlices, joinUtf8, slicesInclude } from "./_text_bytes.ts";
import type { LoadAnswer, LoadReply, LoadRequest } from "./load_worker.ts";
import { isDeltaJson, type PolicyDelta } from "./policy_delta.ts";
import { policyFromJson } from "../validate/mod.ts";
import { planPolicy } from "../compile/mod.ts";
import { LEASE_COMMENT, parseRuleLeases } from "../model/mod.ts";
import type { PolicyIssue, RuleLease } from "../model/mod.ts";

/** The worker's side of the channel (its global scope). */
const scope = globalThis as unknown as {
  onmessage: ((event: MessageEvent<LoadRequest>) => void) | null;
  postMessage(message: LoadReply, transfer: Transferable[]): void;
};

// A worker module runs once per worker: this is the worker's own memory, not shared state.
const held = new LoadedRules(sha256Hex);

scope.onmessage = inOrder(async (request) => {
  const { id, file } = request;
  // A pushed change needs the text only for its lease comments: most policies have none, and
  // decoding 2.7 MB for nothing was a tenth of a pushed change's work here.
  let decoded: string | undefined;
  const text = () => decoded ??= decodeSlices(request.text);
  const json = request.json && decodeSlices(request.json);
  const loaded = await loadPushed(json) ?? await loadText(text(), file);
  if ("issues" in loaded) return scope.postMessage({ id, issues: loaded.issues }, []);
  const leases = slicesInclude(request.text, LEASE_COMMENT) ? parseRuleLeases(text()) : new Map();
  const answer = answerOf(loaded.held, leases, loaded.warnings);
  const { rules, offsets, plan } = answer;
  scope.postMessage(
    { id, answer },
    [rules, offsets, plan.keyOffsets, plan.refs].map((a) => a.buffer as ArrayBuffer),
  );
});

/**
 * `handle` for each message, one at a time in arrival order: an async handler would let a pushed
 * change overtake the load it is a change from (the holder's first load, still parsing).
 */
function inOrder<T>(handle: (data: T) => Promise<void>): (event: MessageEvent<T>) => void {
  let last: Promise<void> = Promise.resolve();
  return (event) => {
    const run = last.then(() => handle(event.data));
    // A failed load still fails the worker (unhandled, as before); the next one waits for it.
    last = run.catch(() => {});
  };
}

/** A valid policy held, and the warnings its text gave. */
type Loaded = { held: RememberedPolicy; warnings?: PolicyIssue[] };

/**
 * The pushed JSON document, when it is clean: a whole policy, or a change from the policy held
 * whose result has the hash the gateway announced. Undefined sends the caller to the text.
 */
async function loadPushed(json: string | undefined): Promise<Loaded | undefined> {
  if (json === undefined) return undefined;
  if (!isDeltaJson(json)) {
    const policy = policyFromJson(json);
    return policy && { held: await held.remember(policy) };
  }
  let delta: PolicyDelta;
  try {
    delta = JSON.parse(json);
  } catch {
    return undefined;
  }
  const policy = held.apply(delta);
  if (!policy) return undefined;
  const remembered = await held.remember(policy);
  return remembered.hash === delta.hash ? { held: remembered } : undefined;
}

async function loadText(text: string, file: string): Promise<Loaded | { issues: PolicyIssue[] }> {
  // The YAML stack is loaded only when a text has to be parsed.
  const { parsePolicy } = await import("../yaml/mod.ts");
  const { policy, issues, warnings } = parsePolicy(text, file);
  if (!policy) return { issues };
  const remembered = await held.remember(policy);
  return warnings ? { held: remembered, warnings } : { held: remembered };
}

// Flat data crosses the channel: short strings and typed arrays (moved, not copied). The receiving
// thread indexes the slots and parses a rule only when a request first reaches it, so a
// 10,000-rule object graph is never rebuilt on its heap in one go.
function answerOf(
  { policy, hash, json, sortedKeys, slots }: RememberedPolicy,
  leases: Map<string, RuleLease>,
  warnings: PolicyIssue[] | undefined,
): LoadAnswer {
  const plan = planPolicy(policy, { sortedKeys, slotsOf: slots });
  const { bytes, offsets } = joinUtf8(Object.keys(policy.network_policies).map(json));
  const { network_policies: _, ...head } = policy;
  const answer: LoadAnswer = {
    hash,
    head: JSON.stringify(head),
    rules: bytes,
    offsets,
    plan,
    leases,
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
