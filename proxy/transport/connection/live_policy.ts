/**
 * The live policy as the transport sees it: what it needs to decide a request and to notice a
 * reload. `PolicyHolder` (proxy/holder/) implements it; the composition root passes one in, so
 * the transport never imports the holder.
 *
 * @module
 */

import type { CompiledPolicy } from "../../policy/mod.ts";

/**
 * The policy in force for one proxy, swapped atomically on reload.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compilePolicy } from "../../policy/mod.ts";
 * import type { LivePolicy } from "./live_policy.ts";
 * const compiled = compilePolicy({ version: 1, revision: 0, network_policies: {} });
 * const live: LivePolicy = {
 *   generation: 1,
 *   current: () => ({ compiled }),
 *   spent: () => false,
 *   spend: () => {},
 *   subscribe: () => () => {},
 * };
 * assert.equal(live.current().compiled, compiled);
 * ```
 */
export interface LivePolicy {
  /** Bumped by every reload: a connection opened under an older one is re-evaluated. */
  readonly generation: number;
  /** The sandbox id this proxy serves (session-scoped rules allow only their own). */
  readonly sandbox?: string;
  /** The compiled policy in force now. */
  current(): { readonly compiled: CompiledPolicy };
  /** Whether a once-rule has been used. */
  spent(ruleKey: string): boolean;
  /** Mark a once-rule used, and report the use (which asks for the rule's removal). */
  spend(ruleKey: string): void;
  /**
   * Mark a once-rule used now and report the use only when the returned function is called:
   * when the exchange that spent it ends (a tunnel or WebSocket it opened is still that one
   * request). Without it, `spend` reports at once.
   */
  spendHeld?(ruleKey: string): () => void;
  /** Call `listener` after each reload; returns the unsubscribe. */
  subscribe(listener: () => void): () => void;
}
