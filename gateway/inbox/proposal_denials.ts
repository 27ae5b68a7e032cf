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
 * ```ts
 * import assert from "node:assert/strict";
 * import { ocsfEventFromDecision, OcsfLog } from "../../proxy/ocsf/mod.ts";
 * import { ProposalStore } from "../mod.ts";
 * import { proposalDenials } from "./proposal_denials.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/team.yaml`, "version: 1\n");
 * const store = new ProposalStore({ policiesDir: dir });
 * const rule = { endpoints: [{ host: "api.github.com", port: 443 }], binaries: [{ path: "/bin/gh" }] };
 * const submitted = await store.submit({ policy: "team", ruleName: "gh", rule, rationale: "r" });
 * assert(submitted.accepted);
 * const log = new OcsfLog(`${dir}/logs`);
 * const denied = { verdict: "deny", layer: "l4", reason: "no rule", host: "api.github.com", port: 443 } as const;
 * await log.append(ocsfEventFromDecision(denied, { time: Date.now() }));
 * await log.append(ocsfEventFromDecision({ ...denied, host: "example.com" }, { time: Date.now() }));
 * await log.close();
 * const record = (await store.get(submitted.proposal.id))!;
 * const denials = await proposalDenials(`${dir}/logs`, record);
 * assert.equal(denials.length, 1); // only the host its rule names
 * assert.match(denials[0]!.line, /api\.github\.com:443/);
 * await Deno.remove(dir, { recursive: true });
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
