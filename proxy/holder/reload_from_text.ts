/**
 * Reloading a proxy's policy with an audit trail: CONFIG:LOADED on success, CONFIG:FAILED
 * with every issue while the last good policy stays in force.
 *
 * @module
 */

import { formatIssue } from "../policy/mod.ts";
import { configEvent, type OcsfEvent } from "../ocsf/mod.ts";
import type { PolicyHolder, ReloadOptions, UpdateResult } from "./policy_holder.ts";

/**
 * Swap in a new policy text (file or push) off the request path (`reload`), reporting
 * CONFIG:LOADED, or CONFIG:FAILED with every issue while the last good policy stays in force.
 * `source.json`: the same policy as a JSON document, when the push carried one;
 * `source.utf8`: the text's bytes, when the caller read them (see `reload`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PolicyHolder } from "./policy_holder.ts";
 * import { reloadFromText } from "./reload_from_text.ts";
 * const holder = PolicyHolder.fromText("demo", "demo.yaml", "version: 1\n");
 * await reloadFromText(holder, "version: 2\n", (event) => assert.equal(event.class_uid, 5019));
 * assert.equal(holder.current().generation, 1);
 * ```
 */
export async function reloadFromText(
  holder: PolicyHolder,
  text: string,
  onEvent: ((event: OcsfEvent) => void) | undefined,
  source: ReloadOptions & { json?: string } = {},
): Promise<UpdateResult> {
  const result = await holder.reload(text, source.json, { utf8: source.utf8 });
  if (result.ok && result.superseded) return result;
  if (result.ok) {
    const { revision, hash, name } = result.snapshot;
    onEvent?.(
      configEvent("LOADED", "Policy reloaded successfully", { revision, hash, policy: name }),
    );
  } else {
    onEvent?.(reloadFailedEvent(holder, result.issues.map(formatIssue)));
  }
  return result;
}

/**
 * The CONFIG:FAILED event of a reload that changed nothing: what went wrong, and the revision
 * that stays in force.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PolicyHolder } from "./policy_holder.ts";
 * import { reloadFailedEvent } from "./reload_from_text.ts";
 * const holder = PolicyHolder.fromText("demo", "demo.yaml", "version: 1\nrevision: 2\n");
 * const event = reloadFailedEvent(holder, ["Cannot read policy file: denied"]);
 * assert(String(event.message).includes("keeping revision 2"));
 * ```
 */
export function reloadFailedEvent(holder: PolicyHolder, problems: string[]): OcsfEvent {
  const { revision, hash, name } = holder.current();
  const message = `Policy reload failed, keeping revision ${revision}: ${problems.join("; ")}`;
  return configEvent("FAILED", message, { revision, hash, policy: name });
}

/**
 * Pass on only a text that differs from the last one fed, starting from `first` (the text the
 * holder was built from). A push opens with the policy the proxy started on (a gateway's
 * `ready`, a reconnect's catch-up): loading it again would parse and compile it a second time
 * and log a reload that changed nothing. Compared with the last text fed, not the one in force,
 * so a revert pushed while a reload still runs lands all the same.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { changesOnly } from "./reload_from_text.ts";
 * const seen: string[] = [];
 * const feed = changesOnly("a", (text) => seen.push(text));
 * for (const text of ["a", "b", "b", "a"]) feed(text);
 * assert.deepEqual(seen, ["b", "a"]);
 * ```
 */
export function changesOnly(
  first: string | undefined,
  onText: (text: string, json?: string, utf8?: Uint8Array<ArrayBuffer>[]) => void,
): (text: string, json?: string, utf8?: Uint8Array<ArrayBuffer>[]) => void {
  let last = first;
  return (text, json, utf8) => {
    if (text === last) return;
    last = text;
    onText(text, json, utf8);
  };
}
