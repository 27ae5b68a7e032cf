/**
 * The names the gateway answers to. A page on a name its attacker controls can make that name
 * resolve to the gateway's address (DNS rebinding); the browser then sends the page's name as
 * `Host`. The review cookie already keeps such a page out of the inbox, and the API needs a
 * bearer token, but nothing should answer it at all: every request whose `Host` is not one of
 * the gateway's own names gets a one-line 421.
 *
 * @module
 */

import { X509Certificate } from "node:crypto";
import { classifyAddress } from "../../proxy/policy/mod.ts";

/** What the gateway's names are made of. */
export interface GatewayNames {
  /** The address listened on (brackets removed). */
  hostname: string;
  /** The port listened on. */
  port: number;
  /** The certificate chain served (PEM), whose first certificate's names are its names. */
  cert?: string;
  /** The address reviewers reach it at (`--public-url`, a reverse proxy's name). */
  publicUrl?: string;
}

/**
 * Every `Host` value (lower case) the gateway answers to: the address it listens on, and
 * `localhost` and both loopback literals when that is loopback or a wildcard; the names of its TLS
 * certificate; the `--public-url` host. Each with its port, and without one where that port is
 * the scheme's default.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { gatewayHosts } from "./host_guard.ts";
 * const hosts = gatewayHosts({ hostname: "127.0.0.1", port: 8787, publicUrl: "https://gw.example" });
 * assert(hosts.has("localhost:8787") && hosts.has("gw.example") && hosts.has("gw.example:443"));
 * assert(!hosts.has("localhost") && !hosts.has("rebound.example:8787"));
 * assert(gatewayHosts({ hostname: "0.0.0.0", port: 8443 }).has("127.0.0.1:8443"));
 * ```
 */
export function gatewayHosts(names: GatewayNames): Set<string> {
  const hosts = new Set<string>();
  const scheme = names.cert === undefined ? "http" : "https";
  const add = (name: string, port: number, portScheme: string) => {
    const host = name.includes(":") ? `[${name.toLowerCase()}]` : name.toLowerCase();
    hosts.add(`${host}:${port}`);
    if (port === DEFAULT_PORTS[portScheme]) hosts.add(host);
  };
  const own = [names.hostname];
  // A wildcard address (0.0.0.0, ::) listens on loopback too.
  const kind = classifyAddress(names.hostname);
  if (kind === "loopback" || kind === "unspecified") own.push("localhost", "127.0.0.1", "::1");
  if (names.cert !== undefined) own.push(...certificateNames(names.cert));
  for (const name of own) add(name, names.port, scheme);
  if (names.publicUrl !== undefined) {
    const url = new URL(names.publicUrl);
    const port = url.port === "" ? DEFAULT_PORTS[url.protocol.slice(0, -1)] : Number(url.port);
    if (port !== undefined) {
      add(url.hostname.replace(/^\[|\]$/g, ""), port, url.protocol.slice(0, -1));
    }
  }
  return hosts;
}

const DEFAULT_PORTS: Record<string, number> = { http: 80, https: 443 };

/** The DNS names and IP addresses of a PEM chain's first certificate (its subjectAltName). */
function certificateNames(pem: string): string[] {
  try {
    const san = new X509Certificate(pem).subjectAltName ?? "";
    return san.split(/,\s*/).flatMap((entry) => {
      const match = /^(DNS|IP Address):(.+)$/.exec(entry.trim());
      return match ? [match[2]!] : [];
    });
  } catch {
    return [];
  }
}

/** Whether `host` is one of `hosts`, a `*.` name of them covering exactly one more label. */
function answersTo(hosts: ReadonlySet<string>, host: string): boolean {
  if (hosts.has(host)) return true;
  const dot = host.indexOf(".");
  return dot > 0 && !host.startsWith("[") && hosts.has(`*${host.slice(dot)}`);
}

const MISDIRECTED = JSON.stringify({
  error: "misdirected_request",
  detail: "This gateway answers only to its own names: open it at the address it listens on, " +
    "or give the name reviewers use as --public-url",
});

/**
 * `handler`, answering 421 to any request whose `Host` is not one of `hosts()` (read at each
 * request: a server on port 0 knows its names only once it listens).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { guardHost } from "./host_guard.ts";
 * const handler = guardHost(() => new Set(["127.0.0.1:8787"]), () => new Response("ok"));
 * const rebound = new Request("http://rebound.example:8787/inbox");
 * assert.equal((await handler(rebound)).status, 421);
 * assert.equal((await handler(new Request("http://127.0.0.1:8787/inbox"))).status, 200);
 * ```
 */
export function guardHost<T extends unknown[]>(
  hosts: () => ReadonlySet<string>,
  handler: (request: Request, ...rest: T) => Response | Promise<Response>,
): (request: Request, ...rest: T) => Response | Promise<Response> {
  return (request, ...rest) => {
    // HTTP/2 carries the name as :authority, which is the request URL's host.
    const host = (request.headers.get("host") ?? new URL(request.url).host).toLowerCase();
    if (answersTo(hosts(), host)) return handler(request, ...rest);
    return new Response(MISDIRECTED, {
      status: 421,
      headers: { "content-type": "application/json" },
    });
  };
}
