/**
 * The set-up most end-to-end proxy tests share: start the test upstreams, start a test proxy
 * in front of them, run the test, then close both (also when it fails).
 *
 * @module
 */

import { startTestProxy, type TestProxy, type TestProxyOptions } from "./test_proxy.ts";
import { startTestUpstreams, type TestUpstreams } from "./test_upstreams.ts";

/** Options of {@linkcode withTestProxy}: the proxy's, without the upstreams it is given. */
export interface WithTestProxyOptions extends Omit<TestProxyOptions, "upstreams"> {
  /** Names in the HTTPS upstream's certificate (the upstreams' default otherwise). */
  upstreamHosts?: string[];
}

/**
 * Run `run` against a fresh test proxy and its upstreams, then close both.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { rawRequest, withTestProxy } from "./mod.ts";
 *
 * await withTestProxy({ policy: "version: 1\n" }, async (proxy) => {
 *   const request = "GET http://plain.example.com/ HTTP/1.1\r\nHost: plain.example.com\r\n\r\n";
 *   assert.equal((await rawRequest(proxy.port, request)).status, 403); // no rule: denied
 * });
 * ```
 */
export async function withTestProxy(
  options: WithTestProxyOptions,
  run: (proxy: TestProxy, upstreams: TestUpstreams) => Promise<void>,
): Promise<void> {
  const { upstreamHosts, ...proxyOptions } = options;
  const upstreams = await startTestUpstreams(upstreamHosts ? { hosts: upstreamHosts } : {});
  try {
    const proxy = await startTestProxy({ ...proxyOptions, upstreams });
    try {
      await run(proxy, upstreams);
    } finally {
      await proxy.close();
    }
  } finally {
    await upstreams.close();
  }
}
