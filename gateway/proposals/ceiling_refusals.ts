/**
 * Each `outside_org_ceiling` refusal tells the agent one bit about the ceiling, which is never
 * shown to it; enough of them map it. So every such refusal is an audit event (CONFIG:REFUSED,
 * naming the sandbox and the rule's summary) for a person to see, and a sandbox refused this
 * way `limit` times within `windowMs` has every further proposal held (refused without being
 * checked, so no more bits) until the oldest of those refusals leaves the window.
 *
 * @module
 */

import { join } from "node:path";
import { configEvent } from "../../proxy/ocsf/mod.ts";
import type { NetworkRule } from "../../proxy/policy/mod.ts";
import type { Finding, SubmitResult } from "../../proxy/policy_local/mod.ts";
import { visibleText } from "../repo/mod.ts";
import { summarizeRule } from "./summarize_rule.ts";
import { sealDir } from "./proposal_seal.ts";
import { appendJournal, readJournal, rewriteJournal } from "./_refusal_journal.ts";

/** Ceiling refusals one sandbox may get within the window before its proposals are held. */
export const CEILING_REFUSALS_PER_WINDOW = 5;
/** The window those refusals are counted in (10 minutes). */
export const CEILING_REFUSAL_WINDOW_MS = 10 * 60_000;

/**
 * Where a store's ceiling refusals are kept: beside the seals, in a folder of its own (recovery
 * removes stray files among the seals, never folders).
 */
export function ceilingRefusalJournal(policiesDir: string): string {
  return join(sealDir(policiesDir), "refusals", "ceiling.jsonl");
}

/** Appends to a journal between two rewrites with only the refusals still in the window. */
const APPENDS_PER_REWRITE = 512;

/**
 * Ceiling refusals per sandbox (and policy): one instance per store. With a `journal` file they
 * are counted from it, not from this process's memory alone: a gateway restart would otherwise
 * give a sandbox that was held `limit` more checked probes of the ceiling at once.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CeilingRefusals } from "./ceiling_refusals.ts";
 * const refusals = new CeilingRefusals({ limit: 2, windowMs: 1000 });
 * await refusals.record("sb-1", 0);
 * assert.equal(await refusals.heldUntil("sb-1", 10), undefined);
 * await refusals.record("sb-1", 10);
 * assert.equal(await refusals.heldUntil("sb-1", 20), 1000);
 * assert.equal(await refusals.heldUntil("sb-1", 1000), undefined);
 * assert.equal(await refusals.heldUntil("sb-2", 20), undefined);
 * ```
 */
export class CeilingRefusals {
  readonly #limit: number;
  readonly #windowMs: number;
  readonly #journal: string | undefined;
  readonly #times = new Map<string, number[]>();
  #loaded: Promise<void> | undefined;
  #appends = 0;

  /** Count up to `limit` refusals within `windowMs` per key, kept in `journal` when given. */
  constructor(options: { limit?: number; windowMs?: number; journal?: string } = {}) {
    this.#limit = options.limit ?? CEILING_REFUSALS_PER_WINDOW;
    this.#windowMs = options.windowMs ?? CEILING_REFUSAL_WINDOW_MS;
    this.#journal = options.journal;
  }

  /** When the key's hold ends (epoch ms), or undefined when it may propose now. */
  async heldUntil(key: string, now: number): Promise<number | undefined> {
    await this.#load(now);
    const times = this.#recent(key, now);
    return times.length >= this.#limit ? times[0]! + this.#windowMs : undefined;
  }

  /** Count one refusal for `key` at `now` (in the journal too, when there is one). */
  async record(key: string, now: number): Promise<void> {
    await this.#load(now);
    // Sandboxes come and go: drop the ones whose refusals all left the window now and then.
    if (this.#times.size >= 256) {
      for (const other of [...this.#times.keys()]) this.#recent(other, now);
    }
    this.#times.set(key, [...this.#recent(key, now), now]);
    if (this.#journal === undefined) return;
    // Unwritable: counted in memory still, as before there was a journal.
    await appendJournal(this.#journal, { at: now, key }).catch(() => {});
    if (++this.#appends >= APPENDS_PER_REWRITE) await this.#rewrite(now);
  }

  /** The journal's refusals still in the window, once; it is rewritten with them alone. */
  #load(now: number): Promise<void> {
    return this.#loaded ??= (async () => {
      if (this.#journal === undefined) return;
      const all = await readJournal(this.#journal);
      // One dated in the future (a clock set back) counts until it is a window old.
      for (const { at, key } of all.filter((e) => now - e.at < this.#windowMs)) {
        this.#times.set(key, [...(this.#times.get(key) ?? []), at].sort((a, b) => a - b));
      }
      if (all.length > this.#count()) await this.#rewrite(now);
    })();
  }

  async #rewrite(now: number): Promise<void> {
    this.#appends = 0;
    const entries = [...this.#times.keys()].flatMap((key) =>
      this.#recent(key, now).map((at) => ({ at, key }))
    );
    await rewriteJournal(this.#journal!, entries).catch(() => {});
  }

  #count(): number {
    let count = 0;
    for (const times of this.#times.values()) count += times.length;
    return count;
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
export async function heldRefusal(
  refusals: CeilingRefusals | undefined,
  who: Proposer,
  now: Date,
): Promise<SubmitResult | undefined> {
  const until = await refusals?.heldUntil(proposerKey(who), now.getTime());
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
export async function noteCeilingRefusal(
  env: {
    refusals?: CeilingRefusals;
    emit(event: ReturnType<typeof configEvent>): void;
    now(): Date;
  },
  who: Proposer,
  check: { findings: Finding[]; rule?: NetworkRule },
): Promise<void> {
  if (!check.findings.some((f) => f.code === "outside_org_ceiling")) return;
  await env.refusals?.record(proposerKey(who), env.now().getTime());
  const sandbox = visibleText(who.sandbox ?? "local", 80);
  const summary = check.rule ? summarizeRule(who.policy, check.rule) : "(rule not shown)";
  env.emit(
    configEvent("REFUSED", `proposal refused outside_org_ceiling sandbox:${sandbox} ${summary}`, {
      policy: who.policy,
      ...(who.sandbox === undefined ? {} : { sandbox: who.sandbox }),
    }),
  );
}
