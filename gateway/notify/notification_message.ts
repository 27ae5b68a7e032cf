/**
 * The JSON a notification hook receives for `proposal.created` and `proposal.decided`: a
 * Slack-compatible `text` (untrusted parts made visible and escaped for Slack's markup, so an
 * agent cannot forge a link or a mention) plus the structured fields and the inbox link.
 *
 * @module
 */

import { formatEndpoint } from "../../proxy/policy/mod.ts";
import { type ProposalRecord, reviewedBinaries } from "../proposals/mod.ts";
import { visibleText } from "../repo/mod.ts";

/** The event a notification is about. */
export type NotificationEvent = "proposal.created" | "proposal.decided";

/** The body POSTed to each `--notify` URL. */
export interface NotificationMessage {
  /** One line for Slack (or any chat hook that reads `text`). */
  text: string;
  /** `proposal.created` or `proposal.decided`. */
  event: NotificationEvent;
  /** Proposal id. */
  id: string;
  /** `pending`, `approved` or `rejected`. */
  status: string;
  /** Target policy. */
  policy: string;
  /** Proposing sandbox, when known. */
  sandbox?: string;
  /** Every binary of the rule, globs first, as one line of visible text. */
  binary?: string;
  /** Every binary of the rule, in its order (visible text); empty when it names none. */
  binaries: string[];
  /** The proposal's one-line summary (visible text). */
  summary: string;
  /** The rule's endpoints in OpenShell's `format_endpoint` form. */
  endpoints: string[];
  /** Finding codes of the submit checks (`warn use_l7_not_l4`, …). */
  findings: string[];
  /** The decision, once decided. */
  decision?: { by: string; at: string; revision?: number; reason?: string; guidance?: string };
  /** The proposal's inbox page. */
  url: string;
}

/** Slack's markup escapes (`<`, `>`, `&`): untrusted text can then never become a link. */
function slack(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/**
 * Rule-derived text as inline code: Slack has no escape for `*`, `_` and `~`, so a path with
 * two `*` wildcards showed the part between them in bold and the wildcards not at all; inside
 * a code span nothing is formatted or linked. A backtick, which would end the span, is shown
 * as `<U+0060>`.
 */
function code(text: string): string {
  return text === "" ? "-" : `\`${slack(text.replaceAll("`", "<U+0060>"))}\``;
}

function decisionOf(r: ProposalRecord): NotificationMessage["decision"] {
  const d = r.meta.decision;
  if (!d || r.state === "pending") return undefined;
  const out: NonNullable<NotificationMessage["decision"]> = {
    by: visibleText(d.by, 100),
    at: d.at,
  };
  if (d.revision !== undefined) out.revision = d.revision;
  if (d.reason !== undefined) out.reason = visibleText(d.reason, 500);
  if (d.guidance) out.guidance = d.guidance;
  return out;
}

function headline(event: NotificationEvent, m: Omit<NotificationMessage, "text">): string {
  const what = code(m.summary);
  const link = `<${m.url}|${m.id}>`;
  if (event === "proposal.created") {
    return `New Tollgate proposal ${link} (${code(m.policy)}, ${code(m.sandbox ?? "-")}): ${what}`;
  }
  const d = m.decision;
  const by = d ? ` by ${slack(d.by)}` : "";
  const rev = d?.revision !== undefined ? `, revision ${d.revision}` : "";
  const why = d?.reason !== undefined ? `: ${slack(d.reason)}` : "";
  return `Tollgate proposal ${link} ${m.status}${by}${rev}${why} (${what})`;
}

/**
 * The notification for `record` (as it is now) and `event`.
 *
 * @param inboxUrl the gateway's address as reviewers reach it (`http://127.0.0.1:8787`)
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ProposalStore } from "../mod.ts";
 * import { notificationMessage } from "./notification_message.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/team.yaml`, "version: 1\n");
 * const store = new ProposalStore({ policiesDir: dir });
 * const rule = { endpoints: [{ host: "api.github.com", port: 443 }], binaries: [{ path: "/bin/gh" }] };
 * const submitted = await store.submit({ policy: "team", ruleName: "gh", rule, rationale: "r" });
 * assert(submitted.accepted);
 * const id = submitted.proposal.id;
 * const body = notificationMessage("proposal.created", (await store.get(id))!, "https://tollgate.example/");
 * assert.equal(body.url, `https://tollgate.example/inbox/proposals/${id}`);
 * assert.deepEqual(body.endpoints, ["api.github.com:443 [L4]"]);
 * assert(body.text.startsWith(`New Tollgate proposal <${body.url}|${id}> (\`team\`, \`-\`)`)); // Slack mrkdwn
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function notificationMessage(
  event: NotificationEvent,
  record: ProposalRecord,
  inboxUrl: string,
): NotificationMessage {
  const base = {
    event,
    id: record.id,
    status: record.state,
    policy: visibleText(record.meta.policy, 64),
    summary: visibleText(record.meta.summary, 300),
    endpoints: record.rule.endpoints.map((e) => visibleText(formatEndpoint(e), 500)),
    findings: record.meta.findings.map((f) => `${f.severity} ${f.code}`),
    url: `${inboxUrl.replace(/\/+$/, "")}/inbox/proposals/${record.id}`,
  };
  const sandbox = record.meta.sandbox === undefined
    ? {}
    : { sandbox: visibleText(record.meta.sandbox, 64) };
  const binary = {
    binary: visibleText(reviewedBinaries(record.rule), 1_000),
    binaries: (record.rule.binaries ?? []).map((b) => visibleText(b.path, 500)),
  };
  const decision = decisionOf(record);
  const message = { ...base, ...sandbox, ...binary, ...(decision ? { decision } : {}) };
  return { text: headline(event, message), ...message };
}
