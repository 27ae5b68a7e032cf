/**
 * The worker that parses, validates and hashes a large policy text for `parseOffThread()`, so
 * the proxy's event loop keeps serving requests meanwhile. It answers one message with
 * `{json, hash, warnings?}` (the validated policy as JSON) or `{issues}`.
 *
 * @module
 */

import { parsePolicy, policyHash } from "./policy/mod.ts";

/** The worker's side of the channel (its global scope). */
const scope = globalThis as unknown as {
  onmessage: ((event: MessageEvent<{ text: string; file: string }>) => void) | null;
  postMessage(message: unknown): void;
};

scope.onmessage = (event) => {
  const { text, file } = event.data;
  const { policy, issues, warnings } = parsePolicy(text, file);
  if (!policy) return scope.postMessage({ issues });
  // One string crosses the channel: a copy, where a 10,000-rule object graph would be
  // rebuilt field by field on the receiving thread.
  scope.postMessage({ json: JSON.stringify(policy), hash: policyHash(policy), warnings });
};
