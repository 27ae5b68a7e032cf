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
export type ConfigState =
  | "LOADED"
  | "FAILED"
  | "PROPOSED"
  | "APPROVED"
  | "REJECTED"
  /** A scoped rule ended (expiry, used once, session ended, revoked) and was removed. */
  | "REMOVED"
  /** A proposal was refused as outside the org ceiling (each refusal tells the agent a bit). */
  | "REFUSED"
  /** The audit budget deleted the oldest log files of the directory. */
  | "PRUNED";

/** A network endpoint: a DNS name or an IP literal, and a port. */
export interface OcsfEndpoint {
  /** DNS name of the endpoint. */
  domain?: string;
  /** IP literal of the endpoint. */
  ip?: string;
  /** TCP port. */
  port?: number;
}

/**
 * One OCSF event as written to the JSONL log. Never holds a query string, a header value or
 * a body: builders take only a `Decision` (path without query) or a message they own.
 */
export interface OcsfEvent {
  /** Event class: 4001 Network Activity, 4002 HTTP Activity, 5019 Device Config State Change. */
  class_uid: number;
  /** Caption of `class_uid`. */
  class_name: string;
  /** Category: 4 Network Activity, 5 Discovery. */
  category_uid: number;
  /** Caption of `category_uid`. */
  category_name: string;
  /** Activity within the class (1 Open for L4; the method's activity for L7; 1 Log for config). */
  activity_id: number;
  /** Caption of `activity_id`. */
  activity_name: string;
  /** `class_uid * 100 + activity_id`. */
  type_uid: number;
  /** `<class_name>: <activity_name>`. */
  type_name: string;
  /** Milliseconds since the Unix epoch. */
  time: number;
  /** 1 Informational, 2 Low, 3 Medium, 4 High, 5 Critical, 6 Fatal. */
  severity_id: number;
  /** Caption of `severity_id`. */
  severity: string;
  /** 1 Success, 2 Failure. */
  status_id?: number;
  /** Caption of `status_id`. */
  status?: string;
  /** Short description; untrusted when it carries agent or reviewer text. */
  message?: string;
  /** The decision's reason (query strings redacted). */
  status_detail?: string;
  /** Product and schema version. */
  metadata: {
    product: { name: string; vendor_name: string };
    version: string;
  };
  /** 1 Allowed, 2 Denied. */
  action_id?: number;
  /** Caption of `action_id`. */
  action?: string;
  /** 1 Allowed, 2 Blocked. */
  disposition_id?: number;
  /** Caption of `disposition_id`. */
  disposition?: string;
  /** The client side of the proxied connection. */
  src_endpoint?: OcsfEndpoint;
  /** The destination the request asked for. */
  dst_endpoint?: OcsfEndpoint;
  /** The requesting process: executable path and pid. */
  actor?: { process: { name: string; pid?: number } };
  /** The rule key that decided (`-` when none) and the layer (`l4`/`l7`). */
  firewall_rule?: { name: string; type: string };
  /** The inspected HTTP request; `url.path` never holds a query string. */
  http_request?: {
    http_method: string;
    url: { scheme: string; hostname: string; path: string; port: number };
  };
  /**
   * How many decisions of the same kind this one event stands for (OCSF's aggregate `count`):
   * the allowed messages of a WebSocket summarised, between `start_time` and `end_time`.
   */
  count?: number;
  /** The first of the decisions `count` stands for, ms since the epoch. */
  start_time?: number;
  /** The last of the decisions `count` stands for, ms since the epoch. */
  end_time?: number;
  /** What the client sent in those decisions: `bytes_out` (OCSF Network Traffic). */
  traffic?: { bytes_out: number };
  /** Config state: 1 Disabled, 2 Enabled, 99 Other. */
  state_id?: number;
  /** Caption of `state_id`, or the Tollgate state for 99 Other. */
  state?: string;
  /** Tollgate-specific fields: `layer`, `audit`, `config_state`, `policy_version`, `hash`, … */
  unmapped?: Record<string, unknown>;
}
