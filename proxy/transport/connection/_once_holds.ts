/**
 * The once-scoped rules an exchange spent, reported (their removal asked for) when it ends.
 *
 * @module
 */

import type { LivePolicy } from "./live_policy.ts";

/**
 * Once rules spent by one client connection's exchange in work. A once grant allows one
 * request: a blind tunnel or a WebSocket it opened stays open for its whole life, so the use
 * is reported only when the exchange ends. Reported at the spend, the rule's removal reloaded
 * every proxy at once and the re-decision at that reload closed the very tunnel it had just
 * allowed; and any other reload closed it too, the rule being spent. Meanwhile the rule stays
 * spent here (no second request), its re-decisions at reloads count it as this exchange's own,
 * and revoking it or its end still closes the connection.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { OnceHolds } from "./_once_holds.ts";
 * const reported: string[] = [];
 * const spent = new Set<string>();
 * const live = {
 *   spend: (key: string) => void spent.add(key),
 *   spendHeld: (key: string) => (spent.add(key), () => void reported.push(key)),
 * };
 * const holds = new OnceHolds();
 * holds.spend(live, "fetch_once");
 * assert.ok(spent.has("fetch_once") && holds.holds("fetch_once"));
 * assert.deepEqual(reported, []); // still in use
 * holds.release();
 * assert.deepEqual(reported, ["fetch_once"]);
 * holds.release(); // reported once
 * assert.deepEqual(reported, ["fetch_once"]);
 * ```
 */
export class OnceHolds {
  #held = new Map<string, () => void>();

  /** Spend `ruleKey` for this exchange (marked now, reported at `release()`). */
  spend(live: Pick<LivePolicy, "spend" | "spendHeld">, ruleKey: string): void {
    if (this.#held.has(ruleKey)) return;
    const report = live.spendHeld?.(ruleKey);
    if (report === undefined) live.spend(ruleKey);
    else this.#held.set(ruleKey, report);
  }

  /** Whether this exchange spent `ruleKey` and is still in work. */
  holds(ruleKey: string): boolean {
    return this.#held.has(ruleKey);
  }

  /** The exchange ended: report every once rule it spent. */
  release(): void {
    const reports = [...this.#held.values()];
    this.#held.clear();
    for (const report of reports) report();
  }
}
