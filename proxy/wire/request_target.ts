/**
 * Request-target forms: absolute-form URLs (plain proxying), authority-form (CONNECT) and
 * origin-form (inside a tunnel), parsed without any normalisation the policy would not see.
 *
 * @module
 */

import { isIPv6 } from "node:net";

/** A destination host and port. */
export interface Authority {
  /** Lower-case host name or IP literal, without brackets. */
  host: string;
  /** TCP port, 1-65535. */
  port: number;
}

/** A parsed absolute-form target. */
export interface AbsoluteTarget extends Authority {
  /** The URL's scheme (lower case). */
  scheme: "http" | "https";
  /** Raw path (never empty), without the query. */
  rawPath: string;
  /** Raw query without `?`, when present. */
  query?: string;
}

const HOST_NAME = /^[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*$/;

/**
 * Parse `host[:port]` (IPv6 in brackets); `defaultPort` applies when the port is absent.
 *
 * @returns The authority, or a message saying what is wrong.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseAuthority } from "./request_target.ts";
 * const a = parseAuthority("API.GitHub.com:443");
 * assert(typeof a !== "string" && a.host === "api.github.com" && a.port === 443);
 * ```
 */
export function parseAuthority(text: string, defaultPort?: number): Authority | string {
  const match = /^(\[[0-9A-Fa-f:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(text);
  if (match === null) return "Malformed host";
  const rawHost = match[1]!.toLowerCase();
  const host = rawHost.startsWith("[") ? rawHost.slice(1, -1) : rawHost;
  if (rawHost.startsWith("[") ? !isIPv6(host) : !HOST_NAME.test(host) || host.length > 253) {
    return "Malformed host";
  }
  const port = match[2] === undefined ? defaultPort : Number(match[2]);
  if (port === undefined) return "Missing port";
  if (!Number.isInteger(port) || port < 1 || port > 65535) return "Invalid port";
  return { host, port };
}

/**
 * Parse an absolute-form target (`http://host[:port]/path?query`). User info and fragments
 * are refused: credentials never travel in a URL through the proxy.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseAbsoluteTarget } from "./request_target.ts";
 * const t = parseAbsoluteTarget("http://a.test/x?y=1");
 * assert(typeof t !== "string" && t.port === 80 && t.rawPath === "/x" && t.query === "y=1");
 * ```
 */
export function parseAbsoluteTarget(target: string): AbsoluteTarget | string {
  const match = /^(https?):\/\/([^/?#]*)([^#]*)$/i.exec(target);
  if (match === null) {
    return target.includes("#")
      ? "Fragments are not allowed in request targets"
      : "Proxy requests must use an absolute http:// URL";
  }
  const scheme = match[1]!.toLowerCase() as "http" | "https";
  if (match[2]!.includes("@")) return "Credentials in URLs are not allowed";
  const authority = parseAuthority(match[2]!, scheme === "https" ? 443 : 80);
  if (typeof authority === "string") return authority;
  const { rawPath, query } = splitPathQuery(match[3]!);
  return { scheme, ...authority, rawPath: rawPath === "" ? "/" : rawPath, query };
}

/**
 * Split an origin-form target into its raw path and raw query.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { splitPathQuery } from "./request_target.ts";
 * assert.equal(splitPathQuery("/a?b=c").query, "b=c");
 * ```
 */
export function splitPathQuery(target: string): { rawPath: string; query?: string } {
  const mark = target.indexOf("?");
  return mark === -1
    ? { rawPath: target }
    : { rawPath: target.slice(0, mark), query: target.slice(mark + 1) };
}

/**
 * The `Host` header value for an authority: the default port is left out.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hostHeader } from "./request_target.ts";
 * assert.equal(hostHeader({ host: "::1", port: 8080 }, 80), "[::1]:8080");
 * ```
 */
export function hostHeader(authority: Authority, defaultPort: number): string {
  const host = authority.host.includes(":") ? `[${authority.host}]` : authority.host;
  return authority.port === defaultPort ? host : `${host}:${authority.port}`;
}
