/**
 * `deno task bench:decide`: `decide()` timed by `Deno.bench`, one bench per policy size, over
 * the same cases as the report's decide rows (`decide_case.ts`). One iteration decides the
 * next request of the mix, so the figures are per decision; the 10-rule case is the baseline
 * the others are compared with.
 *
 * @module
 */

import { decide } from "../../proxy/policy/mod.ts";
import { DECIDE_SIZES, decideCase } from "./decide_case.ts";

for (const n of DECIDE_SIZES) {
  const { compiled, mix } = decideCase(n);
  let next = 0;
  Deno.bench({
    name: `decide() at ${n.toLocaleString("en-US")} rules`,
    group: "decide",
    baseline: n === DECIDE_SIZES[0],
    fn() {
      decide(compiled, mix[next]!);
      next = (next + 1) % mix.length;
    },
  });
}
