/**
 * OCSF events for every decision and policy lifecycle step: pure builders, the one-line
 * shorthand, and the daily JSONL + text file sink with its reader.
 *
 * @module
 */

export { configEvent } from "./config_event.ts";
export type { ConfigEventMeta } from "./config_event.ts";
export { ocsfEventFromDecision } from "./decision_event.ts";
export type { DecisionEventMeta } from "./decision_event.ts";
export { OcsfLog } from "./ocsf_log.ts";
export type { OcsfLogOptions } from "./ocsf_log.ts";
export { logFileNames, ocsfLogFiles } from "./ocsf_log_files.ts";
export { readOcsfEvents } from "./read_ocsf_events.ts";
export type { ReadOcsfOptions, ReadOcsfResult } from "./read_ocsf_events.ts";
export { escapeControlChars, redactQueryStrings, truncateChars, truncateUtf8 } from "./sanitize.ts";
export { renderShorthand } from "./shorthand.ts";
export { OCSF_PRODUCT, OCSF_VERSION } from "./types.ts";
export type { ConfigState, OcsfEndpoint, OcsfEvent } from "./types.ts";
// Types of other modules that the API above names, so that its documentation is complete.
export type { Decision, RuleMissing } from "../policy/mod.ts";
