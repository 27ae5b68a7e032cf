/**
 * The subset of OCSF 1.7.0 that Tollgate writes: Network Activity (4001), HTTP Activity
 * (4002) and Device Config State Change (5019).
 *
 * @module
 */

/** OCSF schema version written in `metadata.version`. */
export const OCSF_VERSION = "1.7.0";

/** Product block of every event. */
export const OCSF_PRODUCT = { name: "Tollgate", vendor_name: "Tollgate" } as const;

/** The configuration states Tollgate reports as class 5019 events. */
export type ConfigState = "LOADED" | "FAILED" | "PROPOSED" | "APPROVED" | "REJECTED";

/** A network endpoint: a DNS name or an IP literal, and a port. */
export interface OcsfEndpoint {
  domain?: string;
  ip?: string;
  port?: number;
}

/**
 * One OCSF event as written to the JSONL log. Never holds a query string, a header value or
 * a body: builders take only a `Decision` (path without query) or a message they own.
 */
export interface OcsfEvent {
  class_uid: number;
  class_name: string;
  category_uid: number;
  category_name: string;
  activity_id: number;
  activity_name: string;
  /** `class_uid * 100 + activity_id`. */
  type_uid: number;
  type_name: string;
  /** Milliseconds since the Unix epoch. */
  time: number;
  severity_id: number;
  severity: string;
  status_id?: number;
  status?: string;
  message?: string;
  status_detail?: string;
  metadata: {
    product: { name: string; vendor_name: string };
    version: string;
  };
  action_id?: number;
  action?: string;
  disposition_id?: number;
  disposition?: string;
  src_endpoint?: OcsfEndpoint;
  dst_endpoint?: OcsfEndpoint;
  actor?: { process: { name: string; pid?: number } };
  firewall_rule?: { name: string; type: string };
  http_request?: {
    http_method: string;
    url: { scheme: string; hostname: string; path: string; port: number };
  };
  state_id?: number;
  state?: string;
  /** Tollgate-specific fields: `layer`, `audit`, `config_state`, `policy_version`, `hash`, … */
  unmapped?: Record<string, unknown>;
}
