/**
 * The recent denials that led to a proposal: the newest denied decisions in the OCSF log of
 * the proposal's own sandbox, to a host its rule names. Each is shown as its shorthand line,
 * with query strings redacted and without the raw message.
 *
 * @module
 */

import {
  type OcsfEvent,
  readOcsfEvents,
  redactQueryStrings,
  renderShorthand,
} from "../../proxy/ocsf/mod.ts";
import type { ProposalRecord } from "../proposals/mod.ts";

/** One denial as the inbox shows it. */
export interface ShownDenial {
  /** ISO time of the decision. */
  time: string;
  /** The shorthand log line (query strings redacted). */
  line: string;
}

const SCAN_BYTES = 4 * 1024 * 1024;

/**
 * Up to `last` denials (newest first) of `record`'s sandbox to the hosts its rule names.
 *
 * @example
 * ```ts ignore
 * const denials = await proposalDenials(".tollgate/logs", record);
 * ```
 */
export async function proposalDenials(
  logDir: string,
  record: ProposalRecord,
  last = 5,
): Promise<ShownDenial[]> {
  const hosts = new Set(record.rule.endpoints.map((e) => String(e.host).toLowerCase()));
  const sandbox = record.meta.sandbox;
  const ledTo = (e: OcsfEvent) =>
    (sandbox === undefined || e.unmapped?.sandbox === sandbox) &&
    hosts.has(String(e.dst_endpoint?.domain ?? e.dst_endpoint?.ip ?? "").toLowerCase());
  const { events } = await readOcsfEvents(logDir, {
    last,
    filter: ledTo,
    denied: true,
    maxBytesPerFile: SCAN_BYTES,
  }).catch(() => ({ events: [] as OcsfEvent[] }));
  return events.map((e) => ({
    time: new Date(e.time).toISOString(),
    line: redactQueryStrings(renderShorthand({ ...e, message: undefined })),
  }));
}
