/**
 * The compact form of an OCSF event that the log stores: the event without the fields its
 * other fields imply (see `_derived_fields.ts`), and the expansion that puts them back.
 *
 * @module
 */

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
  const full = event as unknown as EventRecord;
  const out: EventRecord = { ...full };
  // Each container on a removed path is copied once, not once per field removed from it.
  const copies = new Map<unknown, EventRecord>([[full, out]]);
  for (const field of DERIVED_FIELDS) {
    const value = getPath(full, field.path);
    if (value !== undefined && same(value, field.derive(full))) removePath(out, field.path, copies);
  }
  return out;
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
  // Only `metadata.product` is an object among the derived fields.
  return typeof a === "object" && typeof b === "object" && JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Delete a path from `root`, copying the objects on the way (the event stays untouched);
 * `copies` maps each original container to its copy under `root`.
 */
function removePath(
  root: EventRecord,
  path: readonly string[],
  copies: Map<unknown, EventRecord>,
): void {
  const chain: EventRecord[] = [root];
  for (let i = 0; i < path.length - 1; i++) {
    const parent = chain[i]!;
    const child = parent[path[i]!];
    if (typeof child !== "object" || child === null) return;
    let copy = copies.get(child);
    if (copy === undefined) {
      // `child` may already be a copy made for an earlier field: it maps to itself.
      copy = { ...(child as EventRecord) };
      copies.set(child, copy).set(copy, copy);
      parent[path[i]!] = copy;
    }
    chain.push(copy);
  }
  delete chain.at(-1)![path.at(-1)!];
  // A container emptied here is left out too; expansion creates it again.
  for (let i = chain.length - 1; i > 0 && isEmpty(chain[i]!); i--) {
    delete chain[i - 1]![path[i - 1]!];
  }
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
