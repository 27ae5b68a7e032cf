/**
 * The V8 flags a proxy process runs with (`deno run --v8-flags=…`; the `tollgate` task and the
 * bench's proxy child pass them).
 *
 * @module
 */

/**
 * V8 flags that keep a busy proxy's heap near what it holds. Each intercepted request leaves
 * some 14 KB of short-lived garbage; at 256 clients V8's defaults let the young generation grow
 * to about 60 MB and the old one to several times its live size, so the proxy's RSS climbed
 * from 80 to 200-230 MB. A young generation of at most 2 × 8 MB and an old one grown by half its
 * live size after each full collection kept it at 140-146 MB, at no CPU cost that the bench
 * could tell from noise. Neither flag caps the heap: a larger live set (a policy of 10,000
 * rules) still fits. `--expose-gc` lets a body relay ask for a young-generation collection
 * every 4 MB (`ByteStream.forward()`): the TLS layer's reads live outside the heap, where
 * V8's own scheduling does not see them pile up (a 512 MB TLS relay: 186 MB of them at once
 * without, 28 MB with, at no extra CPU time).
 * Measured and left out (peak RSS at 256 L7 clients, 116-117 MB with these flags):
 * `--optimize-for-size` 102-106 MB but +40-60 % proxy CPU per request on the L7 and forward
 * rows; `--no-page-promotion`, `--no-concurrent-marking`, `--semi-space-growth-factor=1` higher
 * (118-129 MB); `--max-lazy`, `--bytecode-old-age=2`, `--lazy-new-space-shrinking` no change.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PROXY_V8_FLAGS } from "./proxy_v8_flags.ts";
 * assert.match(PROXY_V8_FLAGS, /--max-semi-space-size=8/);
 * ```
 */
export const PROXY_V8_FLAGS = "--max-semi-space-size=8,--heap-growing-percent=50,--expose-gc";
