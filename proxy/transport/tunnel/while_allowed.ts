/**
 * Running a splice while the policy still allows what opened the connection.
 *
 * @module
 */

import type { LivePolicy } from "../connection/mod.ts";
import { watchGrant } from "../request/mod.ts";

/**
 * Run a splice (`run`, given where to hand the function that closes it) while `stillAllowed`
 * says yes: it is asked at each reload of `holder` (a failure counts as no), and a no closes
 * the splice; `since`, the generation the connection was decided under, has it asked at once
 * when a reload came in between.
 */
export async function whileAllowed(
  holder: Pick<LivePolicy, "subscribe" | "generation">,
  stillAllowed: () => Promise<boolean>,
  since: number | undefined,
  run: (onStart: (close: () => void) => void) => Promise<void>,
): Promise<void> {
  let stop = () => {};
  const spliced = run((close) => (stop = close));
  // A reload between the decision and now (the upstream connecting, the 101 awaited) had no
  // subscriber to hear it: `since` has what opened the connection decided again at once.
  const unwatch = watchGrant(holder, stillAllowed, since, () => stop());
  try {
    await spliced;
  } finally {
    unwatch();
  }
}
