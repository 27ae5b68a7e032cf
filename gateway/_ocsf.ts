/**
 * The gateway's one binding to the OCSF module (`proxy/ocsf/mod.ts`).
 *
 * @module
 */

export { configEvent, OcsfLog, readOcsfEvents, renderShorthand } from "../proxy/ocsf/mod.ts";
export type { ConfigState, OcsfEvent } from "../proxy/ocsf/mod.ts";
