/**
 * The compact form of an OCSF event that the log stores: the event without the fields its
 * other fields imply (see `_derived_fields.ts`), and the expansion that puts them back.
 *
 * @module
 */

import { compactDecision } from "./_compact_decision.ts";
import { DERIVED_FIELDS, type EventRecord, getPath } from "./_derived_fields.ts";
import type { OcsfEvent } from "./types.ts";

/**
 * Leave out every field of `event` that holds exactly what the rest of it implies: captions
 * of ids (`class_name`, `severity`, `type_name` …), `type_uid`, `category_uid`, a decision's
 * severity, status and disposition ids (they follow from `action_id`), `metadata.product`,
 * the rule's and `unmapped`'s layer (from the class), the URL's host and port (the
 * destination's), an `https` scheme, the method (from the activity), a decision's message,
 * and the reason of a plain allow (`allowed by policy '<rule>'`). A field that differs from
 * its derivation is kept, so {@linkcode expandEvent} always gives the event back.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compactEvent, expandEvent, ocsfEventFromDecision } from "./mod.ts";
 * const event = ocsfEventFromDecision({
 *   verdict: "allow", layer: "l4", reason: "allowed by policy 'gh'", policy: "gh",
 *   host: "api.github.com", port: 443,
 * }, { time: 0 });
 * const compact = compactEvent(event);
 * assert.equal(compact.class_name, undefined);
 * assert.deepEqual(expandEvent(JSON.parse(JSON.stringify(compact))), event);
 * ```
 */
export function compactEvent(event: OcsfEvent): Record<string, unknown> {
  // A decision event (one per logged request) takes the direct way; both give the same object.
  const full = event as unknown as EventRecord;
  return compactDecision(full) ?? compactByRules(event);
}

/**
 * {@linkcode compactEvent} by the general rules of `_derived_fields.ts` alone, for any event
 * (the reference `compact_event_test.ts` holds the direct way of decision events to).
 */
export function compactByRules(event: OcsfEvent): Record<string, unknown> {
  const full = event as unknown as EventRecord;
  // A plain loop, and `same()` only for objects: this runs once per logged request.
  const dropped = new Array<boolean>(DERIVED_FIELDS.length);
  for (let i = 0; i < DERIVED_FIELDS.length; i++) {
    const field = DERIVED_FIELDS[i]!;
    const value = getPath(full, field.path);
    if (value === undefined) dropped[i] = false;
    else {
      const derived = field.derive(full);
      dropped[i] = value === derived || (typeof value === "object" && same(value, derived));
    }
  }
  return without(full, FIELD_TREE, dropped);
}

/** A derived field's index in {@linkcode DERIVED_FIELDS}, or the fields under a key. */
type FieldTree = Map<string, number | FieldTree>;

/** {@linkcode DERIVED_FIELDS} as a tree of their paths, built once. */
const FIELD_TREE: FieldTree = (() => {
  const root: FieldTree = new Map();
  DERIVED_FIELDS.forEach((field, index) => {
    let node = root;
    field.path.forEach((key, depth) => {
      if (depth === field.path.length - 1) return void node.set(key, index);
      const next = node.get(key);
      if (next instanceof Map) return void (node = next);
      node.set(key, node = new Map());
    });
  });
  return root;
})();

/**
 * A copy of `record` without the dropped fields, built key by key: deleting them from a copy
 * (a dozen per event, once per request) turned each copy into a slow dictionary object.
 * A container left empty by the drops is left out too; expansion creates it again.
 */
function without(record: EventRecord, tree: FieldTree, dropped: boolean[]): EventRecord {
  const out: EventRecord = {};
  for (const key in record) {
    const node = tree.get(key);
    const value = record[key];
    if (typeof node === "number") {
      if (!dropped[node]) out[key] = value;
    } else if (node !== undefined && isRecord(value)) {
      const inner = without(value, node, dropped);
      if (!isEmpty(inner) || isEmpty(value)) out[key] = inner;
    } else out[key] = value;
  }
  return out;
}

function isRecord(value: unknown): value is EventRecord {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Put back the fields {@linkcode compactEvent} left out; a full event (a line written before
 * the compact form) comes back unchanged. Keys are in the order the builders write them.
 *
 * @param record A freshly parsed line (it is changed in place).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { expandEvent } from "./mod.ts";
 * const e = expandEvent({ class_uid: 4001, activity_id: 1, time: 0, action_id: 2 });
 * assert.equal(e.type_name, "Network Activity: Open");
 * assert.equal(e.severity, "Medium");
 * ```
 */
export function expandEvent(record: Record<string, unknown>): Record<string, unknown> {
  for (const field of DERIVED_FIELDS) {
    if (getPath(record, field.path) !== undefined) continue;
    const value = field.derive(record);
    if (value !== undefined) setPath(record, field.path, value);
  }
  return ordered(record);
}

function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  // Only `metadata.product` is an object among the derived fields: flat, of strings.
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  const [x, y] = [a as EventRecord, b as EventRecord];
  const keys = Object.keys(x);
  const others = Object.keys(y);
  if (keys.length !== others.length) return false;
  return keys.every((key, i) => others[i] === key && same(x[key], y[key]));
}

function isEmpty(record: EventRecord): boolean {
  for (const _ in record) return false;
  return true;
}

function setPath(root: EventRecord, path: readonly string[], value: unknown): void {
  let node = root;
  for (const key of path.slice(0, -1)) {
    node[key] ??= {};
    const next = node[key];
    if (typeof next !== "object" || next === null || Array.isArray(next)) return;
    node = next as EventRecord;
  }
  node[path.at(-1)!] = value;
}

// The key order of the builders (decision_event.ts, config_event.ts).
const TOP_KEYS = [
  "class_uid",
  "class_name",
  "category_uid",
  "category_name",
  "activity_id",
  "activity_name",
  "type_uid",
  "type_name",
  "time",
  "severity_id",
  "severity",
  "status_id",
  "status",
  "action_id",
  "action",
  "disposition_id",
  "disposition",
  "message",
  "status_detail",
  "metadata",
];
const URL_KEYS = ["scheme", "hostname", "path", "port"];

function ordered(record: EventRecord): EventRecord {
  const out = reorder(record, TOP_KEYS);
  const metadata = out.metadata as EventRecord | undefined;
  if (typeof metadata === "object" && metadata !== null) {
    out.metadata = reorder(metadata, ["product"]);
  }
  const http = out.http_request as EventRecord | undefined;
  if (typeof http?.url === "object" && http.url !== null) {
    out.http_request = reorder({ ...http, url: reorder(http.url as EventRecord, URL_KEYS) }, [
      "http_method",
    ]);
  }
  return out;
}

function reorder(record: EventRecord, first: readonly string[]): EventRecord {
  const out: EventRecord = {};
  for (const key of first) if (key in record) out[key] = record[key];
  for (const key in record) if (!(key in out)) out[key] = record[key];
  return out;
}
