/**
 * The set-up of the HTTP/2 end-to-end tests: the HTTP/1.1 test upstreams, an HTTP/2-only
 * origin for one host, and a test proxy in front of both (the h2 host's port 443 resolved to
 * the origin); closed in reverse order, also when the test fails.
 *
 * @module
 */

import { type H2TestUpstream, startH2Upstream } from "./h2_upstream.ts";
import { startTestProxy, type TestProxy } from "./test_proxy.ts";
import { startTestUpstreams, type TestUpstreams } from "./test_upstreams.ts";
import type { WithTestProxyOptions } from "./with_test_proxy.ts";

/** Options of {@linkcode withH2World}: {@linkcode withTestProxy}'s, and the h2 origin's host. */
export interface WithH2WorldOptions extends WithTestProxyOptions {
  /** The host the HTTP/2-only origin serves; the proxy reaches its port 443 there. */
  h2Host: string;
}

/** What an HTTP/2 test runs against. */
export interface H2World {
  /** The test proxy. */
  proxy: TestProxy;
  /** The HTTP/1.1 (and HTTPS) test upstreams. */
  upstreams: TestUpstreams;
  /** The HTTP/2-only origin. */
  h2: H2TestUpstream;
}

/**
 * Run `run` against a fresh test proxy, its upstreams and an HTTP/2-only origin, then close
 * all three.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { withH2World } from "./mod.ts";
 *
 * await withH2World({ policy: "version: 1\n", h2Host: "h2.example.com" }, ({ h2, proxy }) => {
 *   assert.notEqual(h2.port, proxy.port);
 *   return Promise.resolve();
 * });
 * ```
 */
export async function withH2World(
  options: WithH2WorldOptions,
  run: (world: H2World) => Promise<void>,
): Promise<void> {
  const { upstreamHosts, h2Host, ...proxyOptions } = options;
  const upstreams = await startTestUpstreams(upstreamHosts ? { hosts: upstreamHosts } : {});
  try {
    const h2 = await startH2Upstream(upstreams, [h2Host]);
    try {
      const toH2 = { host: h2Host, port: 443, address: "127.0.0.1", targetPort: h2.port };
      const resolve = [...(proxyOptions.resolve ?? []), toH2];
      const proxy = await startTestProxy({ ...proxyOptions, resolve, upstreams });
      try {
        await run({ proxy, upstreams, h2 });
      } finally {
        await proxy.close();
      }
    } finally {
      await h2.close();
    }
  } finally {
    await upstreams.close();
  }
}
