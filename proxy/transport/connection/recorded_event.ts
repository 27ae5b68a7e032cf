/**
 * How a connection puts a decision on record: the event to the proxy's sink, its bytes spent
 * from the sandbox's log pace; and the denial an SSRF refusal is recorded as.
 *
 * @module
 */

import { logBytesOf, type OcsfEvent } from "../../ocsf/mod.ts";
import type { Decision } from "../../policy/mod.ts";
import type { ProxyContext } from "./proxy_context.ts";

/** An event put on record: when it is, and when the sandbox may decide again. */
export interface RecordedEvent {
  /** Settles once the event is on record, when the sink says so; never rejects. */
  recorded?: Promise<void>;
  /** Settles once the sandbox is back within its log's pace; absent when it is. */
  paced?: Promise<void>;
}

/** Put `event` on record through `ctx`, spending its bytes of the sandbox's log pace. */
export function recordEvent(ctx: ProxyContext, event: OcsfEvent): RecordedEvent {
  const recorded = ctx.emit(event);
  const paced = ctx.auditPace?.charge(logBytesOf(event));
  return paced === undefined ? { recorded } : { recorded, paced };
}

/** Turn an SSRF refusal into a denied L4 decision (so it is logged like any other denial). */
export function ssrfDecision(allowed: Decision, reason: string): Decision {
  const {
    inspect: _i,
    allowedIps: _a,
    allowEncodedSlash: _s,
    audit: _u,
    addresses: _d,
    ...rest
  } = allowed;
  return { ...rest, verdict: "deny", layer: "l4", reason: `ssrf: ${reason}` };
}
