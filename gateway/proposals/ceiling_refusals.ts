/**
 * Each `outside_org_ceiling` refusal tells the agent one bit about the ceiling, which is never
 * shown to it; enough of them map it. So every such refusal is an audit event (CONFIG:REFUSED,
 * naming the sandbox and the rule's summary) for a person to see, and a sandbox refused this
 * way `limit` times within `windowMs` has every further proposal held (refused without being
 * checked, so no more bits) until the oldest of those refusals leaves the window.
 *
 * @module
 */

import { configEvent } from "../../proxy/ocsf/mod.ts";
import type { NetworkRule } from "../../proxy/policy/mod.ts";
import type { Finding, SubmitResult } from "../../proxy/policy_local/mod.ts";
import { visibleText } from "../repo/mod.ts";
import { summarizeRule } from "./summarize_rule.ts";

/** Ceiling refusals one sandbox may get within the window before its proposals are held. */
export const CEILING_REFUSALS_PER_WINDOW = 5;
/** The window those refusals are counted in (10 minutes). */
export const CEILING_REFUSAL_WINDOW_MS = 10 * 60_000;

/**
 * Ceiling refusals per sandbox (and policy), in memory: one instance per store.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CeilingRefusals } from "./ceiling_refusals.ts";
 * const refusals = new CeilingRefusals({ limit: 2, windowMs: 1000 });
 * refusals.record("sb-1", 0);
 * assert.equal(refusals.heldUntil("sb-1", 10), undefined);
 * refusals.record("sb-1", 10);
 * assert.equal(refusals.heldUntil("sb-1", 20), 1000);
 * assert.equal(refusals.heldUntil("sb-1", 1000), undefined);
 * assert.equal(refusals.heldUntil("sb-2", 20), undefined);
 * ```
 */
export class CeilingRefusals {
  readonly #limit: number;
  readonly #windowMs: number;
  readonly #times = new Map<string, number[]>();

  /** Count up to `limit` refusals within `windowMs` per key. */
  constructor(options: { limit?: number; windowMs?: number } = {}) {
    this.#limit = options.limit ?? CEILING_REFUSALS_PER_WINDOW;
    this.#windowMs = options.windowMs ?? CEILING_REFUSAL_WINDOW_MS;
  }

  /** When the key's hold ends (epoch ms), or undefined when it may propose now. */
  heldUntil(key: string, now: number): number | undefined {
    const times = this.#recent(key, now);
    return times.length >= this.#limit ? times[0]! + this.#windowMs : undefined;
  }

  /** Count one refusal for `key` at `now`. */
  record(key: string, now: number): void {
    // Sandboxes come and go: drop the ones whose refusals all left the window now and then.
    if (this.#times.size >= 256) {
      for (const other of [...this.#times.keys()]) this.#recent(other, now);
    }
    this.#times.set(key, [...this.#recent(key, now), now]);
  }

  #recent(key: string, now: number): number[] {
    const times = (this.#times.get(key) ?? []).filter((t) => now - t < this.#windowMs);
    if (times.length === 0) this.#times.delete(key);
    else this.#times.set(key, times);
    return times;
  }
}

/** Who proposes: the sandbox (or the local CLI) and the policy it proposes to. */
export interface Proposer {
  /** The policy it proposes to. */
  policy: string;
  /** The proposing sandbox; absent for the local CLI. */
  sandbox?: string;
}

/** The key refusals are counted under. */
export function proposerKey(who: Proposer): string {
  return `${who.policy}\u0000${who.sandbox ?? ""}`;
}

/**
 * The refusal for a proposer whose proposals are held, or undefined. The message says what
 * to do next without saying anything of the ceiling.
 */
export function heldRefusal(
  refusals: CeilingRefusals | undefined,
  who: Proposer,
  now: Date,
): SubmitResult | undefined {
  const until = refusals?.heldUntil(proposerKey(who), now.getTime());
  if (until === undefined) return undefined;
  const when = new Date(Math.ceil(until / 1000) * 1000).toISOString();
  return {
    accepted: false,
    code: "too_many_refusals",
    reasons: [
      `Too many proposals from this sandbox were refused as outside what the organisation ` +
      `allows; proposals are not checked until ${when}. Ask a person for the access you need, ` +
      "or propose the narrowest rule for the denied request after that",
    ],
  };
}

/**
 * After the checks: when they refused the rule as outside the ceiling, count it and record a
 * CONFIG:REFUSED event naming the sandbox and the rule's summary.
 */
export function noteCeilingRefusal(
  env: {
    refusals?: CeilingRefusals;
    emit(event: ReturnType<typeof configEvent>): void;
    now(): Date;
  },
  who: Proposer,
  check: { findings: Finding[]; rule?: NetworkRule },
): void {
  if (!check.findings.some((f) => f.code === "outside_org_ceiling")) return;
  env.refusals?.record(proposerKey(who), env.now().getTime());
  const sandbox = visibleText(who.sandbox ?? "local", 80);
  const summary = check.rule ? summarizeRule(who.policy, check.rule) : "(rule not shown)";
  env.emit(
    configEvent("REFUSED", `proposal refused outside_org_ceiling sandbox:${sandbox} ${summary}`, {
      policy: who.policy,
      ...(who.sandbox === undefined ? {} : { sandbox: who.sandbox }),
    }),
  );
}
