/**
 * decide() rows for the report: the cases of `decide_case.ts` (the same ones
 * `deno task bench:decide` times with `Deno.bench`), timed in batches so that each row has
 * percentiles beside the data-plane rows.
 *
 * @module
 */

import { type CompiledPolicy, decide, type RequestFacts } from "../../proxy/policy/mod.ts";
import { DECIDE_SIZES, decideCase } from "./decide_case.ts";
import type { Row } from "./row.ts";
import type { Sample } from "./report.ts";
import { percentile, steadyRate } from "./stats.ts";

const BATCH_PASSES = 4;

/**
 * The decide() rows, each measuring for `maxMs`. Compiles the policies at once.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decideRows } from "./rows_decide.ts";
 *
 * const [row] = decideRows(20, [10]); // 20 ms of decide() at 10 rules
 * assert.equal(row?.info.id, "decide.10");
 * assert.ok((await row!.measure!()).samples > 0);
 * ```
 */
export function decideRows(maxMs: number, sizes: readonly number[] = DECIDE_SIZES): Row[] {
  return sizes.map((n) => {
    // Compiled now, not in the first measurement: 10,000 rules take a second or more.
    const prepared = decideCase(n);
    return {
      info: {
        id: `decide.${n}`,
        group: "decide",
        label: `decide() at ${n.toLocaleString("en-US")} rules`,
        per: "decision",
      },
      measure: () => Promise.resolve(timeDecide(prepared.compiled, prepared.mix, maxMs)),
    };
  });
}

/**
 * Time decide() in batches (one batch = the whole mix, a few times over): each batch gives one
 * per-call sample, its mean. Single calls are too short for `performance.now()`.
 */
export function timeDecide(compiled: CompiledPolicy, mix: RequestFacts[], maxMs: number): Sample {
  let allowed = 0;
  const runBatch = () => {
    for (let pass = 0; pass < BATCH_PASSES; pass++) {
      for (const facts of mix) if (decide(compiled, facts).verdict === "allow") allowed++;
    }
  };
  const warmUntil = performance.now() + Math.min(200, maxMs / 4);
  while (performance.now() < warmUntil) runBatch();
  const perCall: number[] = [];
  const calls = BATCH_PASSES * mix.length;
  const start = performance.now();
  const deadline = start + maxMs;
  let now = start;
  while (now < deadline) {
    const t0 = now;
    runBatch();
    now = performance.now();
    perCall.push((now - t0) / calls);
  }
  const elapsed = now - start;
  // `allowed` keeps the results alive; a mix that allows nothing would be a broken mix.
  if (allowed === 0) throw new Error("The decide() request mix allowed nothing");
  return {
    reqPerSec: steadyRate(perCall),
    reqPerSecWall: (perCall.length * calls * 1000) / elapsed,
    p50Us: percentile(perCall, 50) * 1000,
    p99Us: percentile(perCall, 99) * 1000,
    samples: perCall.length * calls,
    errors: 0,
  };
}
