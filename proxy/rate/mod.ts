/**
 * Rate limits: the token bucket that rations work a sandbox could make the proxy do in a loop.
 *
 * @module
 */

export { TokenBucket } from "./token_bucket.ts";
export type { TokenBucketOptions } from "./token_bucket.ts";
