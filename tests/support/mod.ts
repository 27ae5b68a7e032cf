/**
 * Shared end-to-end test helpers: upstream servers with a test CA, a test proxy, and curl.
 *
 * @module
 */

export { startTestUpstreams } from "./test_upstreams.ts";
export type { RecordedRequest, TestUpstreamOptions, TestUpstreams } from "./test_upstreams.ts";
export { startTestProxy, TEST_SKILL_PATH } from "./test_proxy.ts";
export type { TestProxy, TestProxyOptions } from "./test_proxy.ts";
export { curl, curlArgs } from "./curl.ts";
export type { CurlOptions, CurlResult, CurlTransfer } from "./curl.ts";
export { exchangeOn, rawRequest } from "./raw_client.ts";
export type { RawOptions, RawResponse } from "./raw_client.ts";
export { tunnelRequest } from "./tunnel_client.ts";
