/**
 * The compact form of a decision event (the one event per request a busy proxy logs), built
 * straight from what its ids imply instead of through the general rules of
 * `_derived_fields.ts`: the same object, key for key, that the rules build
 * (`compact_event_test.ts` compares the JSON of a corpus and of thousands of altered events).
 *
 * @module
 */

import { type EventRecord, getPath } from "./_derived_fields.ts";
import { OCSF_PRODUCT } from "./types.ts";

/** What a decision event's derived fields hold, known once its ids are checked. */
interface Known {
  l7: boolean;
  typeUid: number;
  typeName: string;
  /** `http_request.http_method` as its activity implies it (undefined for 99 Other). */
  method: string | undefined;
  severity: string;
  status: string;
  action: string;
  disposition: string;
}

/**
 * `event` without the fields its other fields imply, when it is a decision event whose ids
 * and captions hold their derivations (every event `ocsfEventFromDecision()` builds);
 * undefined for any other event, which the general rules compact.
 */
export function compactDecision(event: EventRecord): EventRecord | undefined {
  const known = knownDecision(event);
  return known && compactTop(event, known);
}

const ACTIVITIES = ["", "Connect", "Delete", "Get", "Head", "Options", "Post", "Put", "Trace"]
  .concat(["Patch"]);
/** Per action id: severity id and caption, status id and caption, action, disposition. */
const OUTCOMES: Record<number, [number, string, number, string, string, number, string]> = {
  1: [1, "Informational", 1, "Success", "Allowed", 1, "Allowed"],
  2: [3, "Medium", 2, "Failure", "Denied", 2, "Blocked"],
};

/**
 * The derivations of a decision event whose ids and captions that other fields derive from
 * all hold their own derivations (so they are left out, and what follows from them is
 * known); undefined for any other event.
 */
function knownDecision(e: EventRecord): Known | undefined {
  const l7 = e.class_uid === 4002;
  if (!l7 && e.class_uid !== 4001) return undefined;
  const activity = e.activity_id;
  if (typeof activity !== "number") return undefined;
  const name = l7
    ? activity === 99 ? "Other" : Number.isInteger(activity) ? ACTIVITIES[activity] : undefined
    : activity === 1
    ? "Open"
    : undefined;
  const outcome = e.action_id === 1 ? OUTCOMES[1] : e.action_id === 2 ? OUTCOMES[2] : undefined;
  const className = l7 ? "HTTP Activity" : "Network Activity";
  if (!name || !outcome || e.class_name !== className || e.activity_name !== name) return undefined;
  if (e.category_uid !== 4 || e.severity_id !== outcome[0] || e.status_id !== outcome[2]) {
    return undefined;
  }
  if (e.disposition_id !== outcome[5]) return undefined;
  return {
    l7,
    typeUid: (e.class_uid as number) * 100 + activity,
    typeName: `${className}: ${name}`,
    method: activity === 99 ? undefined : name.toUpperCase(),
    severity: outcome[1],
    status: outcome[3],
    action: outcome[4],
    disposition: outcome[6],
  };
}

/** Whether a field holding `value` is left out: it is there and is its derivation. */
function drops(value: unknown, derived: unknown): boolean {
  return value !== undefined && value === derived;
}

/** Whether the top-level field `key` holding `value` is left out. */
function dropsTop(e: EventRecord, k: Known, key: string, value: unknown): boolean {
  switch (key) {
    // Checked by knownDecision(): each holds its derivation.
    case "class_name":
    case "category_uid":
    case "activity_name":
    case "severity_id":
    case "status_id":
    case "disposition_id":
      return true;
    case "category_name":
      return drops(value, "Network Activity");
    case "type_uid":
      return drops(value, k.typeUid);
    case "type_name":
      return drops(value, k.typeName);
    case "severity":
      return drops(value, k.severity);
    case "status":
      return drops(value, k.status);
    case "action":
      return drops(value, k.action);
    case "disposition":
      return drops(value, k.disposition);
    case "message":
      return value !== undefined && value === message(e);
    case "status_detail":
      return value !== undefined && value === allowedReason(e);
  }
  return false;
}

/** The event without its derived fields, built key by key in the event's order. */
function compactTop(e: EventRecord, k: Known): EventRecord {
  const out: EventRecord = {};
  for (const key in e) {
    const value = e[key];
    if (dropsTop(e, k, key, value)) continue;
    if (isRecord(value) && CONTAINERS.has(key)) {
      const inner = compactInner(e, k, key, value);
      // A container left empty by the drops is left out: expansion makes it again.
      if (inner !== undefined) out[key] = inner;
    } else out[key] = value;
  }
  return out;
}

const CONTAINERS = new Set(["metadata", "firewall_rule", "unmapped", "http_request"]);

/** A container without its derived fields; undefined when the drops left it empty. */
function compactInner(
  e: EventRecord,
  k: Known,
  container: string,
  record: EventRecord,
): EventRecord | undefined {
  const out: EventRecord = {};
  let kept = 0;
  let seen = 0;
  for (const key in record) {
    seen++;
    const value = record[key];
    if (container === "http_request" && key === "url" && isRecord(value)) {
      const inner = compactUrl(e, k, value);
      if (inner === undefined) continue;
      out[key] = inner;
    } else if (dropsInner(k, container, key, record)) continue;
    else out[key] = value;
    kept++;
  }
  return kept === 0 && seen > 0 ? undefined : out;
}

/** Whether the field `key` of a container is left out. */
function dropsInner(k: Known, container: string, key: string, record: EventRecord): boolean {
  const value = record[key];
  if (container === "metadata") return key === "product" && value !== undefined && isProduct(value);
  const layer = k.l7 ? "l7" : "l4";
  if (container === "firewall_rule") return key === "type" && drops(value, layer);
  if (container === "unmapped") return key === "layer" && drops(value, layer);
  if (key !== "http_method" || !k.l7) return false;
  const url = record.url; // the method is implied only beside a URL
  return typeof url === "object" && url !== null && drops(value, k.method);
}

/** `http_request.url` without its scheme, host and port when they are their derivations. */
function compactUrl(e: EventRecord, k: Known, url: EventRecord): EventRecord | undefined {
  const out: EventRecord = {};
  let kept = 0;
  let seen = 0;
  const { host, port } = destination(e);
  for (const key in url) {
    seen++;
    const value = url[key];
    if (k.l7) {
      if (key === "scheme" && drops(value, "https")) continue;
      if (key === "hostname" && drops(value, host)) continue;
      if (key === "port" && drops(value, port)) continue;
    }
    kept++;
    out[key] = value;
  }
  return kept === 0 && seen > 0 ? undefined : out;
}

function isRecord(value: unknown): value is EventRecord {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Whether `value` is `OCSF_PRODUCT`'s fields, in its order (as `compactEvent` compares). */
function isProduct(value: unknown): boolean {
  if (typeof value !== "object" || value === null) return false;
  const record = value as EventRecord;
  const keys = Object.keys(record);
  const wanted = Object.keys(OCSF_PRODUCT) as (keyof typeof OCSF_PRODUCT)[];
  if (keys.length !== wanted.length) return false;
  return wanted.every((key, i) => keys[i] === key && record[key] === OCSF_PRODUCT[key]);
}

function destination(e: EventRecord): { host?: unknown; port?: unknown } {
  const dst = (e.dst_endpoint ?? {}) as EventRecord;
  return { host: dst.domain ?? dst.ip, port: dst.port };
}

/** The message of a decision event as its other fields imply it (`_derived_fields.ts`). */
function message(e: EventRecord): string | undefined {
  const verdict = e.action_id === 1 ? "ALLOWED" : "DENIED";
  const { host, port } = destination(e);
  if (typeof host !== "string" || typeof port !== "number") return undefined;
  const hostPort = host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
  if (e.class_uid === 4001) return `${verdict} CONNECT ${hostPort}`;
  const method = getPath(e, ["http_request", "http_method"]);
  const url = getPath(e, ["http_request", "url"]);
  const path = typeof url === "object" && url !== null ? (url as EventRecord).path : undefined;
  if (typeof method !== "string" || typeof path !== "string") return undefined;
  return `${verdict} ${method} ${hostPort}${path}`;
}

/** The reason of a plain allow (`allowed by policy '<rule>'`), as `_derived_fields.ts` has it. */
function allowedReason(e: EventRecord): string | undefined {
  const rule = getPath(e, ["firewall_rule", "name"]);
  const plain = e.action_id === 1 && getPath(e, ["unmapped", "audit"]) === undefined &&
    typeof rule === "string";
  return plain ? `allowed by policy '${rule}'` : undefined;
}
