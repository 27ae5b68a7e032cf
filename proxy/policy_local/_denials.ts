/**
 * `GET /v1/denials`: recent denials read from the OCSF log, summarised without the raw
 * message and with every query string redacted.
 *
 * @module
 */

import {
  escapeControlChars,
  type OcsfEvent,
  readOcsfEvents,
  redactQueryStrings,
  renderShorthand,
  truncateChars,
  truncateUtf8,
} from "../ocsf/mod.ts";
import { POLICY_LOCAL_LIMITS } from "./limits.ts";

/** One denial as the agent sees it. */
export interface DenialSummary {
  /** ISO 8601 UTC time of the decision. */
  time: string;
  /** `l4` or `l7`. */
  layer: string;
  /** Destination host. */
  host: string;
  /** Destination port. */
  port: number;
  /** HTTP method (L7). */
  method?: string;
  /** Path without query (L7). */
  path?: string;
  /** Executable that made the request. */
  binary?: string;
  /** Rule key that came closest. */
  policy?: string;
  /** Why it was denied. */
  reason: string;
  /**
   * The denial as OpenShell's `/v1/denials` returns it, one raw log line
   * (`<ISO time> OCSF <shorthand>`, holding the tokens ` OCSF ` and ` DENIED `), query
   * strings redacted, at most 4096 bytes: for an agent that reads strings.
   */
  line: string;
}

/** The body of `GET /v1/denials`. */
export interface DenialsBody {
  /** Newest first. */
  denials: DenialSummary[];
  /** False when no OCSF log file exists yet. */
  log_available: boolean;
  /** Why the list is empty, when the log is missing. */
  note?: string;
}

const MAX_FIELD_CHARS = 512;

/**
 * Read the newest `last` denials (L4 and L7) of sandbox `sandboxId` from the log directory.
 * Proxies of several sandboxes may share the directory; each event names its sandbox
 * (`unmapped.sandbox`), and one without that stamp is nobody's to show.
 */
export async function recentDenials(
  logDir: string,
  last: number,
  sandboxId: string,
): Promise<DenialsBody> {
  const { events, logAvailable } = await readOcsfEvents(logDir, {
    last,
    filter: (e) => e.unmapped?.sandbox === sandboxId,
    // From the denials files: found however many allowed requests followed.
    denied: true,
    contains: `"sandbox":${JSON.stringify(sandboxId)}`,
    maxBytesPerFile: POLICY_LOCAL_LIMITS.denialsScanBytesPerFile,
  });
  const body: DenialsBody = { denials: events.map(summarise), log_available: logAvailable };
  if (!logAvailable) {
    body.note = "No decision has been logged yet: the proxy writes its OCSF log on first use";
  }
  return body;
}

function summarise(e: OcsfEvent): DenialSummary {
  const url = e.http_request?.url;
  const time = new Date(e.time).toISOString();
  const summary: DenialSummary = {
    time,
    layer: safe(e.unmapped?.layer ?? (e.class_uid === 4002 ? "l7" : "l4")),
    host: safe(e.dst_endpoint?.domain ?? e.dst_endpoint?.ip ?? "-"),
    port: typeof e.dst_endpoint?.port === "number" ? e.dst_endpoint.port : 0,
    reason: safe(e.status_detail ?? "denied by policy"),
    // The message is left out on purpose: only fields Tollgate shaped itself reach the agent.
    line: truncateUtf8(
      redactQueryStrings(`${time} OCSF ${renderShorthand({ ...e, message: undefined })}`),
      POLICY_LOCAL_LIMITS.maxDenialLineBytes,
      "...[truncated]",
    ),
  };
  if (e.http_request?.http_method !== undefined) summary.method = safe(e.http_request.http_method);
  if (url?.path !== undefined) summary.path = safe(url.path);
  if (e.actor?.process.name !== undefined) summary.binary = safe(e.actor.process.name);
  const policy = e.firewall_rule?.name;
  if (policy !== undefined && policy !== "-") summary.policy = safe(policy);
  return summary;
}

function safe(value: unknown): string {
  return truncateChars(escapeControlChars(redactQueryStrings(String(value))), MAX_FIELD_CHARS);
}
