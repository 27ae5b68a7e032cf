/**
 * OCSF events for every decision and policy lifecycle step: pure builders, the one-line
 * shorthand, the compact form the log stores, and the daily JSONL file sink (with its
 * denials files) and its reader.
 *
 * @module
 */

export { compactEvent, expandEvent } from "./compact_event.ts";
export { configEvent } from "./config_event.ts";
export type { ConfigEventMeta } from "./config_event.ts";
export { ocsfEventFromDecision } from "./decision_event.ts";
export type { DecisionEventMeta } from "./decision_event.ts";
export { OcsfLog } from "./ocsf_log.ts";
export { DEFAULT_LOG_BUDGET_BYTES } from "./ocsf_log_options.ts";
export type { OcsfLogOptions } from "./ocsf_log_options.ts";
export { ocsfLogFiles } from "./ocsf_log_files.ts";
export { parseOcsfLine, readOcsfEvents } from "./read_ocsf_events.ts";
export type { ReadOcsfOptions, ReadOcsfResult } from "./read_ocsf_events.ts";
export { escapeControlChars, redactQueryStrings, truncateChars, truncateUtf8 } from "./sanitize.ts";
export { renderShorthand } from "./shorthand.ts";
export { logBytesOf, summaryEvent } from "./summary_event.ts";
export type { SummaryCounts } from "./summary_event.ts";
export type { ConfigState, OcsfEndpoint, OcsfEvent } from "./types.ts";
