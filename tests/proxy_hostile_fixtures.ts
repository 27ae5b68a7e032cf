/** The policy, proxy and request builders of the hostile corpus tests (plain HTTP and TLS). */
import {
  type LocalOrigin,
  type OriginsWorld,
  type TestProxy,
  type TestProxyOptions,
  type TestUpstreams,
  withOrigins,
  type WithOriginsOptions,
  withTestProxy,
} from "./support/mod.ts";

/** curl may use /public/** on plain.example.com:80 and api.github.com:443. */
export const POLICY = `version: 1
network_policies:
  plain:
    endpoints:
      - host: plain.example.com
        port: 80
        protocol: rest
        rules: [{ allow: { method: "*", path: "/public/**" } }]
    binaries: [{ path: /usr/bin/curl }]
  gh:
    endpoints:
      - host: api.github.com
        port: 443
        protocol: rest
        rules: [{ allow: { method: "*", path: "/public/**" } }]
    binaries: [{ path: /usr/bin/curl }]
`;
/** Any client may `method` /public/** on api.github.com:443: the HTTP/2 origin tests' policy. */
export function ghPublicPolicy(method: string): string {
  return `version: 1
network_policies:
  gh:
    endpoints:
      - host: api.github.com
        port: 443
        protocol: rest
        rules: [{ allow: { method: ${method}, path: "/public/**" } }]
`;
}

/**
 * Any client may GET /public/** on api.github.com:443 and plain.example.com:80: the HTTP/2
 * hostile tests' policy (a plain HTTP/1.1 GET shows other clients are still served).
 */
export const GET_PUBLIC_POLICY: string = ghPublicPolicy("GET") + `      - host: plain.example.com
        port: 80
        protocol: rest
        rules: [{ allow: { method: GET, path: "/public/**" } }]
`;

/** Options of {@linkcode withGhOrigin}: the test proxy's, and how to start the origin. */
export interface GhOriginOptions<O extends LocalOrigin>
  extends Omit<WithOriginsOptions<{ origin: O }>, "prefix" | "start" | "routes"> {
  /** Start the origin (`upstreams` mints its leaf for api.github.com). */
  start(upstreams: TestUpstreams): Promise<O>;
}

/**
 * Run `run` with the origin `start` gives answering as api.github.com:443 behind a fresh test
 * proxy (the test upstreams keep plain.example.com:80), then close them all.
 */
export function withGhOrigin<O extends LocalOrigin>(
  options: GhOriginOptions<O>,
  run: (world: OriginsWorld<{ origin: O }>) => Promise<void>,
): Promise<void> {
  const { start, ...proxyOptions } = options;
  return withOrigins({
    ...proxyOptions,
    prefix: "tollgate-gh-origin-",
    httpsHosts: [],
    start: async (_dir, upstreams) => ({ origin: await start(upstreams) }),
    routes: ({ origin }) => [["api.github.com", 443, origin]],
  }, run);
}

/** Every raw client here is "curl": the corpus tests parsing, not identity. */
export const identity: TestProxyOptions["identity"] = {
  resolve: () => Promise.resolve({ exe: "/usr/bin/curl", ancestors: [] }),
};

/** Run `run` against a test proxy for the corpus policy, with the given limits. */
export function withProxy(
  run: (proxy: TestProxy, upstreams: TestUpstreams) => Promise<void>,
  limits: Pick<TestProxyOptions, "headTimeoutMs" | "idleTimeoutMs" | "maxConnections"> = {},
): Promise<void> {
  return withTestProxy({ policy: POLICY, identity, ...limits }, run);
}

/** The Host field of plain.example.com. */
export const H = "Host: plain.example.com\r\n";
/** A GET of `target` with the plain Host and `extra` fields. */
export const get = (target: string, extra = ""): string =>
  `GET ${target} HTTP/1.1\r\n${H}${extra}\r\n`;
/** The absolute URL of `path` on plain.example.com. */
export const url = (path: string): string => `http://plain.example.com${path}`;
