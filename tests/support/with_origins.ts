/**
 * The set-up of the tests that put a real origin (PHP, Rack, Flask, Go, Express's parsers)
 * behind the proxy: the test upstreams, a temporary directory for the origins' scripts and
 * logs, the origins, a test proxy routing public names to them, and curl through that proxy;
 * all closed in reverse order, also when the test fails.
 *
 * @module
 */

import { curl, type CurlResult } from "./curl.ts";
import { startTestProxy, type TestProxy } from "./test_proxy.ts";
import { startTestUpstreams, type TestUpstreams } from "./test_upstreams.ts";
import type { WithTestProxyOptions } from "./with_test_proxy.ts";

/** A running origin a test started on 127.0.0.1. */
export interface LocalOrigin {
  /** Its port on 127.0.0.1. */
  port: number;
  /** Stop it. */
  close(): Promise<void>;
}

/** A public `host` and `port` the proxy sends to `origin` on 127.0.0.1. */
export type OriginRoute = [host: string, port: number, origin: LocalOrigin];

/** Options of {@linkcode withOrigins}: the test proxy's, and how to start and reach the origins. */
export interface WithOriginsOptions<O extends Record<string, LocalOrigin>>
  extends Omit<WithTestProxyOptions, "resolve" | "upstreamHosts"> {
  /** Prefix of the temporary directory the origins keep their files in. */
  prefix: string;
  /** Start the origins in `dir` (`upstreams` mints leaves for those that speak TLS). */
  start(dir: string, upstreams: TestUpstreams): Promise<O>;
  /** Where the proxy sends each public name and port. */
  routes(origins: NoInfer<O>): OriginRoute[];
  /** curl's whole-run limit in seconds (default 30: the origins are other runtimes). */
  maxTime?: number;
}

/** What an origin test runs against. */
export interface OriginsWorld<O> {
  /** The test proxy. */
  proxy: TestProxy;
  /** The test upstreams (their CA is the one the proxy trusts). */
  upstreams: TestUpstreams;
  /** The origins' temporary directory (removed afterwards). */
  dir: string;
  /** The origins, as `start` returned them. */
  origins: O;
  /** Run curl for `url` through the proxy, trusting its CA, with `args` before the URL. */
  curl(url: string, args?: string[]): Promise<CurlResult>;
}

/**
 * Run `run` against fresh origins behind a fresh test proxy, then close the proxy, each
 * origin, the upstreams, and remove the origins' directory.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { namedRoutes, withOrigins } from "./mod.ts";
 *
 * const start = () => {
 *   const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, () =>
 *     new Response("ok"));
 *   return Promise.resolve({ app: { port: server.addr.port, close: () => server.shutdown() } });
 * };
 * const policy = "version: 1\nnetwork_policies:\n  app:\n    endpoints:\n" +
 *   "      - { host: app.example.com, port: 80, protocol: rest, access: read-only }\n";
 * const routes = namedRoutes; // app.example.com:80
 * await withOrigins({ policy, prefix: "tollgate-doc-", start, routes }, async ({ curl }) => {
 *   assert.equal((await curl("http://app.example.com/")).body, "ok");
 * });
 * ```
 */
export async function withOrigins<O extends Record<string, LocalOrigin>>(
  options: WithOriginsOptions<O>,
  run: (world: OriginsWorld<O>) => Promise<void>,
): Promise<void> {
  const { prefix, start, routes, maxTime = 30, ...proxyOptions } = options;
  const upstreams = await startTestUpstreams();
  const dir = await Deno.makeTempDir({ prefix });
  try {
    const origins = await start(dir, upstreams);
    try {
      const resolve = routes(origins).map(([host, port, origin]) => ({
        host,
        port,
        address: "127.0.0.1",
        targetPort: origin.port,
      }));
      const proxy = await startTestProxy({ ...proxyOptions, upstreams, resolve });
      try {
        const options = { proxyPort: proxy.port, caPath: proxy.caPath, maxTime };
        const through = (url: string, args: string[] = []) => curl([url], { ...options, args });
        await run({ proxy, upstreams, dir, origins, curl: through });
      } finally {
        await proxy.close();
      }
    } finally {
      for (const origin of Object.values(origins)) await origin.close();
    }
  } finally {
    await upstreams.close();
    await Deno.remove(dir, { recursive: true });
  }
}

/**
 * {@linkcode withOrigins}' `start` and `routes` for one origin, `origin` in the world, which
 * `start` starts (`upstreams` mints its leaf when it speaks TLS) and the proxy reaches as
 * `host:port`.
 */
export function originAt<L extends LocalOrigin>(
  host: string,
  port: number,
  start: (dir: string, upstreams: TestUpstreams) => Promise<L>,
): Pick<WithOriginsOptions<{ origin: L }>, "start" | "routes"> {
  return {
    start: async (dir, upstreams) => ({ origin: await start(dir, upstreams) }),
    routes: ({ origin }) => [[host, port, origin]],
  };
}

/** Each origin answers as `NAME.example.com:80`, NAME its key in `origins`. */
export function namedRoutes<O extends Record<string, LocalOrigin>>(origins: O): OriginRoute[] {
  return Object.entries(origins).map(([name, origin]) => [`${name}.example.com`, 80, origin]);
}

/**
 * A policy `name` granting each origin of `names` the same `endpoint` as `NAME.example.com:80`,
 * where {@linkcode namedRoutes} sends it: `endpoint` is the endpoint's YAML after its host and
 * port (`protocol: rest`, `rules: ...`), written from column 0.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { namedHostsPolicy } from "./mod.ts";
 *
 * const policy = namedHostsPolicy("q", ["php", "rack"], "protocol: rest\naccess: read-only\n");
 * assert.match(policy, /host: rack.example.com\n {8}port: 80\n {8}protocol: rest\n/);
 * ```
 */
export function namedHostsPolicy(name: string, names: string[], endpoint: string): string {
  const fields = endpoint.trimEnd().split("\n").map((line) => `        ${line}`);
  const endpoints = names.flatMap((host) => [
    `      - host: ${host}.example.com`,
    "        port: 80",
    ...fields,
  ]);
  return ["version: 1", "network_policies:", `  ${name}:`, "    endpoints:", ...endpoints, ""]
    .join("\n");
}
