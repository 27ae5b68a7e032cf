/**
 * `--notify URL` (repeatable) and `--public-url URL`, shared by `gateway` and `up`.
 *
 * @module
 */

import { type CliContext, UsageError } from "./context.ts";
import { parseNotifyUrl } from "../gateway/mod.ts";

/**
 * The gateway options of the notification flags; failed deliveries go to stderr.
 *
 * @throws {UsageError} for a URL that is not http or https (exit 2)
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { notifyFlags } from "./_notify_flags.ts";
 * import { UsageError } from "./context.ts";
 *
 * const ctx = {
 *   cwd: "/",
 *   env: {},
 *   out() {},
 *   err() {},
 *   isTTY: false,
 *   signal: new AbortController().signal,
 *   setExitCode() {},
 * };
 * assert.deepEqual(notifyFlags(ctx, { notify: ["https://hooks.example.com/x"] }).notify, [
 *   "https://hooks.example.com/x",
 * ]);
 * assert.throws(() => notifyFlags(ctx, { notify: ["ftp://example.com/"] }), UsageError);
 * ```
 */
export function notifyFlags(
  ctx: CliContext,
  o: { notify: string[]; publicUrl?: string },
): { notify: string[]; publicUrl?: string; log: (line: string) => void } {
  try {
    o.notify.forEach((url) => parseNotifyUrl(url));
    if (o.publicUrl !== undefined) parseNotifyUrl(o.publicUrl, "--public-url");
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const log = (line: string) => ctx.err(`${line}\n`);
  return o.publicUrl === undefined
    ? { notify: o.notify, log }
    : { notify: o.notify, publicUrl: o.publicUrl, log };
}
