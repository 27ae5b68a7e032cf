/**
 * Rate limits: the token bucket that rations work a sandbox could make the proxy do in a loop,
 * and the pace of its audit log.
 *
 * @module
 */

export { TokenBucket } from "./token_bucket.ts";
export type { TokenBucketOptions } from "./token_bucket.ts";
export { AuditPace, DEFAULT_AUDIT_PACE } from "./audit_pace.ts";
export type { AuditPaceOptions } from "./audit_pace.ts";
