/**
 * Helpers for the transport's examples (JSDoc `@example` blocks, run by `deno test --doc`): a
 * client connection on a real loopback pair, and one HTTP/2 exchange with a server. Only
 * examples and tests import this folder; the proxy itself never does, so neither it nor
 * `node:http2` is in a running proxy's module graph.
 *
 * @module
 */

export { clientPair } from "./client_pair.ts";
export type { ClientPair, ClientPairOptions } from "./client_pair.ts";
export { h2Exchange } from "./h2_exchange.ts";
export type { H2Answer, H2ExchangeRequest } from "./h2_exchange.ts";
