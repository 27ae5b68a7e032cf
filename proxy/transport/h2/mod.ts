/**
 * HTTP/2 for interception: serving an intercepted tunnel's h2 streams (decided like HTTP/1.1
 * requests, whose exchanges these files reuse from the transport folder above), the h2 and
 * HTTP/1.1 upstreams, and the frame-level guards. The transport never imports this folder:
 * the composition passes {@linkcode loadH2Side} in as `ProxyOptions.loadH2Side`, and this
 * module loads nothing of `node:http2` until the first client negotiates `h2`.
 *
 * @module
 */

export { loadH2Side } from "./_load_h2_side.ts";
export { filterGoaway } from "./h2_goaway_filter.ts";
export type { GoawayOptions } from "./h2_goaway_filter.ts";
