/**
 * The OCSF fields a Tollgate event repeats from its other fields: captions of ids, ids that
 * follow from the action, the product block, and the parts of a decision's message, URL and
 * rule that restate its destination and layer. The log leaves each one out when it holds
 * exactly what its rule derives, and the reader derives it back.
 *
 * Order matters: a rule reads only fields that are never left out or that come before it in
 * {@linkcode DERIVED_FIELDS}, so that expanding in order rebuilds what compacting checked.
 *
 * @module
 */

import { OCSF_PRODUCT } from "./types.ts";

/** A loosely typed event: compact lines are read back before they are known to be events. */
export type EventRecord = Record<string, unknown>;

/** One derivable field: where it sits and how it follows from the rest of the event. */
export interface DerivedField {
  /** Path of keys from the event's root. */
  path: readonly string[];
  /** The field's value as the rest of the event implies it; undefined when it implies none. */
  derive(event: EventRecord): unknown;
}

const CLASS_NAMES: Record<number, string> = {
  4001: "Network Activity",
  4002: "HTTP Activity",
  5019: "Device Config State Change",
};
const CATEGORY_NAMES: Record<number, string> = { 4: "Network Activity", 5: "Discovery" };
const HTTP_ACTIVITIES = ["", "Connect", "Delete", "Get", "Head", "Options", "Post", "Put"]
  .concat(["Trace", "Patch"]);
const SEVERITIES = ["Unknown", "Informational", "Low", "Medium", "High", "Critical", "Fatal"];
const STATUSES: Record<number, string> = { 1: "Success", 2: "Failure" };
const ACTIONS: Record<number, string> = { 1: "Allowed", 2: "Denied" };
const DISPOSITIONS: Record<number, string> = { 1: "Allowed", 2: "Blocked" };
const CONFIG_STATES: Record<number, string> = { 1: "Disabled", 2: "Enabled" };
/** severity_id, status_id, disposition_id of an allowed (1) and a denied (2) decision. */
const DECISION_IDS: Record<number, [number, number, number]> = { 1: [1, 1, 1], 2: [3, 2, 2] };

/** Read a path of keys; undefined when any step is missing. */
export function getPath(event: EventRecord, path: readonly string[]): unknown {
  let value: unknown = event;
  for (const key of path) {
    if (typeof value !== "object" || value === null) return undefined;
    value = (value as EventRecord)[key];
  }
  return value;
}

function num(event: EventRecord, key: string): number | undefined {
  const value = event[key];
  return typeof value === "number" ? value : undefined;
}

function isDecision(event: EventRecord): boolean {
  return event.class_uid === 4001 || event.class_uid === 4002;
}

function activityName(event: EventRecord): string | undefined {
  const activity = num(event, "activity_id");
  if (activity === 99) return "Other";
  if (event.class_uid === 4002) return HTTP_ACTIVITIES[activity ?? 0] || undefined;
  if (activity !== 1) return undefined;
  return event.class_uid === 4001 ? "Open" : event.class_uid === 5019 ? "Log" : undefined;
}

function decisionId(event: EventRecord, index: number): number | undefined {
  return isDecision(event) ? DECISION_IDS[num(event, "action_id") ?? 0]?.[index] : undefined;
}

function layer(event: EventRecord): string | undefined {
  return event.class_uid === 4002 ? "l7" : event.class_uid === 4001 ? "l4" : undefined;
}

function url(event: EventRecord): EventRecord | undefined {
  const value = getPath(event, ["http_request", "url"]);
  return event.class_uid === 4002 && typeof value === "object" && value !== null
    ? value as EventRecord
    : undefined;
}

function destination(event: EventRecord): { host?: unknown; port?: unknown } {
  const dst = (event.dst_endpoint ?? {}) as EventRecord;
  return { host: dst.domain ?? dst.ip, port: dst.port };
}

/** `ALLOWED GET host:port/path` or `DENIED CONNECT host:port`, as the decision event says it. */
function decisionMessage(event: EventRecord): string | undefined {
  const verdict = event.action_id === 1 ? "ALLOWED" : event.action_id === 2 ? "DENIED" : "";
  const { host, port } = destination(event);
  if (!verdict || typeof host !== "string" || typeof port !== "number") return undefined;
  const hostPort = host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
  if (event.class_uid === 4001) return `${verdict} CONNECT ${hostPort}`;
  const method = getPath(event, ["http_request", "http_method"]);
  const path = url(event)?.path;
  if (typeof method !== "string" || typeof path !== "string") return undefined;
  return `${verdict} ${method} ${hostPort}${path}`;
}

/** The reason of an allow that is neither audit-mode nor unusual. */
function allowedReason(event: EventRecord): string | undefined {
  const rule = getPath(event, ["firewall_rule", "name"]);
  const plain = isDecision(event) && event.action_id === 1 &&
    getPath(event, ["unmapped", "audit"]) === undefined && typeof rule === "string";
  return plain ? `allowed by policy '${rule}'` : undefined;
}

/** Every derivable field, in the order the reader rebuilds them. */
export const DERIVED_FIELDS: readonly DerivedField[] = [
  { path: ["class_name"], derive: (e) => CLASS_NAMES[num(e, "class_uid") ?? 0] },
  {
    path: ["category_uid"],
    derive: (e) =>
      CLASS_NAMES[num(e, "class_uid") ?? 0] && Math.floor(e.class_uid as number / 1000),
  },
  { path: ["category_name"], derive: (e) => CATEGORY_NAMES[num(e, "category_uid") ?? 0] },
  { path: ["activity_name"], derive: activityName },
  {
    path: ["type_uid"],
    derive: (e) =>
      CLASS_NAMES[num(e, "class_uid") ?? 0] && num(e, "activity_id") !== undefined
        ? (e.class_uid as number) * 100 + (e.activity_id as number)
        : undefined,
  },
  {
    path: ["type_name"],
    derive: (e) =>
      typeof e.class_name === "string" && typeof e.activity_name === "string"
        ? `${e.class_name}: ${e.activity_name}`
        : undefined,
  },
  { path: ["severity_id"], derive: (e) => decisionId(e, 0) },
  { path: ["severity"], derive: (e) => SEVERITIES[num(e, "severity_id") ?? -1] },
  { path: ["status_id"], derive: (e) => decisionId(e, 1) },
  { path: ["status"], derive: (e) => STATUSES[num(e, "status_id") ?? 0] },
  { path: ["action"], derive: (e) => ACTIONS[num(e, "action_id") ?? 0] },
  { path: ["disposition_id"], derive: (e) => decisionId(e, 2) },
  { path: ["disposition"], derive: (e) => DISPOSITIONS[num(e, "disposition_id") ?? 0] },
  {
    path: ["state"],
    derive: (e) =>
      e.class_uid !== 5019
        ? undefined
        : e.state_id === 99
        ? getPath(e, ["unmapped", "config_state"])
        : CONFIG_STATES[num(e, "state_id") ?? 0],
  },
  { path: ["metadata", "product"], derive: () => ({ ...OCSF_PRODUCT }) },
  { path: ["firewall_rule", "type"], derive: (e) => e.firewall_rule ? layer(e) : undefined },
  { path: ["unmapped", "layer"], derive: layer },
  { path: ["http_request", "url", "scheme"], derive: (e) => url(e) && "https" },
  { path: ["http_request", "url", "hostname"], derive: (e) => url(e) && destination(e).host },
  { path: ["http_request", "url", "port"], derive: (e) => url(e) && destination(e).port },
  {
    path: ["http_request", "http_method"],
    derive: (e) =>
      url(e) && e.activity_id !== 99 && typeof e.activity_name === "string"
        ? e.activity_name.toUpperCase()
        : undefined,
  },
  { path: ["message"], derive: (e) => isDecision(e) ? decisionMessage(e) : undefined },
  { path: ["status_detail"], derive: allowedReason },
];
