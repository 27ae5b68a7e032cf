/**
 * Loads the HTTP/2 side of interception (`_h2_side.ts`) at the first client that negotiates `h2`.
 *
 * Why not at start: `node:http2` and the proxy's h2 modules hold some 4-5 MB of resident memory
 * (heap, code, the runtime's pages) in every proxy, most of which only ever sees HTTP/1.1. The
 * specifier is computed so that Deno does not read the h2 graph at start either (as
 * `cli/_gateway_link.ts` loads the gateway); `deno check` still checks it through the type.
 *
 * @module
 */

import type { H2Side } from "../connection/mod.ts";

/** The HTTP/2 side's exports, which `deno check` holds to the transport's {@linkcode H2Side}. */
type Side = typeof import("./_h2_side.ts");

const H2_SIDE = new URL("./_h2_side.ts", import.meta.url).href;

/**
 * The HTTP/2 side, loaded on the first call (the runtime keeps the module: later calls resolve
 * at once).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadH2Side } from "./_load_h2_side.ts";
 * const side = await loadH2Side();
 * assert.equal(typeof side.serveH2Tunnel, "function");
 * ```
 *
 * @internal The composition's (`proxy/start_proxy.ts`): its type names the transport's
 * connection, which no module exports.
 */
export function loadH2Side(): Promise<H2Side> {
  return import(H2_SIDE) as Promise<Side>;
}
