/**
 * The proxy's half of scoped-rule clean-up, wired by the CLI: each once-scoped rule the proxy
 * spends is reported (to the embedded store, or to the gateway over the proxy's credential),
 * and when the proxy's sandbox ends its session rules are ended. The gateway removes them with
 * a commit; the proxy has already stopped allowing them either way.
 *
 * @module
 */

import type { PolicyHolder } from "../proxy/mod.ts";

/** Where the reports go. */
export interface ScopeReports {
  /** A once rule (of that expiry) allowed its one request here. */
  onceUsed(ruleKey: string, expiresAt: number | undefined): Promise<unknown>;
  /** The sandbox this proxy served has ended. */
  sessionEnded(sandbox: string): Promise<unknown>;
}

/** The running reporter. */
export interface ScopeReporter {
  /** Stop reporting uses, wait for reports in flight, then report the session's end. */
  end(sandbox: string): Promise<void>;
}

/**
 * Report `holder`'s spent once-rules to `reports` until `end()`. A failed report is one line
 * to `onError`: the rule stays spent in this proxy, and its backstop expiry removes it later.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PolicyHolder } from "../proxy/mod.ts";
 * import { reportScopedRules } from "./_scoped_rules.ts";
 *
 * const reported: string[] = [];
 * const holder = PolicyHolder.fromText("demo", "demo.yaml", "version: 1\n");
 * const reporter = reportScopedRules(holder, {
 *   onceUsed: (ruleKey) => Promise.resolve(reported.push(`once ${ruleKey}`)),
 *   sessionEnded: (sandbox) => Promise.resolve(reported.push(`ended ${sandbox}`)),
 * }, () => {});
 * holder.spend("fetch_once");
 * await reporter.end("sb-1");
 * assert.deepEqual(reported, ["once fetch_once", "ended sb-1"]);
 * ```
 */
export function reportScopedRules(
  holder: PolicyHolder,
  reports: ScopeReports,
  onError: (line: string) => void,
): ScopeReporter {
  const inFlight = new Set<Promise<unknown>>();
  const failed = (what: string) => (error: unknown) =>
    onError(`could not report ${what}: ${(error as Error).message.split("\n")[0]}\n`);
  const unsubscribe = holder.onSpent((ruleKey, expiresAt) => {
    const report = reports.onceUsed(ruleKey, expiresAt)
      .catch(failed(`the use of once rule "${ruleKey}"`))
      .finally(() => inFlight.delete(report));
    inFlight.add(report);
  });
  return {
    async end(sandbox) {
      unsubscribe();
      await Promise.all(inFlight);
      await reports.sessionEnded(sandbox).catch(failed(`the end of session "${sandbox}"`));
    },
  };
}
