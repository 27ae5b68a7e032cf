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
 * ```ts ignore
 * await startGateway({ policiesDir, stateDir, listen, ...notifyFlags(ctx, o) });
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
