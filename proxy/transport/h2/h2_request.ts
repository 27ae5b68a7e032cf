/**
 * An HTTP/2 request's header block, checked and turned into the same request head the
 * HTTP/1.1 path builds, so that one decision path (canonical path, method overrides, L7
 * decision) and one upstream serialiser serve both protocols.
 *
 * @module
 */

import type { IncomingHttpHeaders } from "node:http2";
import type { HeaderField, RequestHead } from "../../wire/mod.ts";
import { parseAuthority } from "../../wire/mod.ts";

/** An HTTP/2 request as the proxy decides and forwards it. */
export interface H2Request {
  /** `:method`. */
  method: string;
  /** `:path`, exactly as sent. */
  target: string;
  /** `:authority`, else the `host` field, when there is one. */
  authority: string | undefined;
  /** The regular fields in order (names lower-case, repeated values kept apart). */
  fields: HeaderField[];
  /** The same request as an HTTP/1.1 head (what `requestQuestion()` and upstream writers read). */
  head: RequestHead;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9a-z]+$/;
const METHOD = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// No CR, LF or NUL: a value that reaches an HTTP/1.1 upstream must not end its line.
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
// RFC 9113 §8.2.2: connection-specific fields are malformed in HTTP/2.
const CONNECTION_SPECIFIC = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "upgrade",
]);

/**
 * Check an HTTP/2 request's headers and build its request head.
 *
 * @param defaultPort The port an authority without one names (the tunnel's), as when the
 *   HTTP/1.1 path compares a `Host` field with its tunnel.
 * @returns The request, or one sentence saying why it is refused (400).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { h2Request } from "./h2_request.ts";
 * const request = h2Request({ ":method": "GET", ":path": "/a?b", ":scheme": "https", ":authority": "x.test", accept: "*\/*" });
 * assert.ok(typeof request !== "string");
 * assert.equal(request.head.target, "/a?b");
 * assert.deepEqual(request.fields, [["accept", "*\/*"]]);
 * assert.equal(h2Request({ ":method": "GET", ":path": "/", connection: "close" }), "Connection-specific header field connection in an HTTP/2 request");
 * // Two authorities are one request too many (RFC 9113 §8.3.1); case and default port are not.
 * assert.match(String(h2Request({ ":method": "GET", ":path": "/", ":authority": "x.test", host: "y.test" })), /differs/);
 * assert.ok(typeof h2Request({ ":method": "GET", ":path": "/", ":authority": "x.test", host: "X.test:443" }) !== "string");
 * ```
 */
export function h2Request(headers: IncomingHttpHeaders, defaultPort = 443): H2Request | string {
  const method = single(headers[":method"]);
  const target = single(headers[":path"]);
  if (method === undefined || !METHOD.test(method)) return "Malformed :method";
  if (method === "CONNECT") return "CONNECT is not supported inside an intercepted tunnel";
  if (target === undefined || !target.startsWith("/") || !/^[\x21-\x7e]+$/.test(target)) {
    return "The :path must be an origin-form target (/path)";
  }
  const fields = regularFields(headers);
  if (typeof fields === "string") return fields;
  const host = fields.find(([name]) => name === "host")?.[1];
  const pseudo = single(headers[":authority"]);
  if (pseudo !== undefined && host !== undefined && !sameAuthority(pseudo, host, defaultPort)) {
    // Which one the origin reads is its choice; the policy must see the one that is sent.
    return "The host field differs from :authority";
  }
  const authority = pseudo ?? host;
  const length = fields.filter(([name]) => name === "content-length").map(([, v]) => v);
  const head: RequestHead = {
    method,
    target,
    version: "HTTP/1.1",
    headers: fields,
    framing: length.length === 1 && /^[1-9][0-9]{0,14}$/.test(length[0]!)
      ? { kind: "length", length: Number(length[0]) }
      : { kind: "none" },
    keepAlive: true,
    expectContinue: false,
    connectionTokens: new Set(),
  };
  return { method, target, authority, fields, head };
}

function regularFields(headers: IncomingHttpHeaders): HeaderField[] | string {
  const fields: HeaderField[] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith(":")) {
      if (![":method", ":path", ":scheme", ":authority"].includes(name)) {
        return `Unknown pseudo-header ${name}`;
      }
      continue;
    }
    if (!TOKEN.test(name)) return "Malformed header field name";
    if (CONNECTION_SPECIFIC.has(name)) {
      return `Connection-specific header field ${name} in an HTTP/2 request`;
    }
    for (const one of Array.isArray(value) ? value : [value ?? ""]) {
      if (!FIELD_VALUE.test(one)) return "Control character in header field value";
      if (name === "te" && one.toLowerCase() !== "trailers") return "TE other than trailers";
      fields.push([name, one]);
    }
  }
  return fields;
}

function sameAuthority(one: string, other: string, defaultPort: number): boolean {
  if (one.toLowerCase() === other.toLowerCase()) return true;
  const [a, b] = [parseAuthority(one, defaultPort), parseAuthority(other, defaultPort)];
  if (typeof a === "string" || typeof b === "string") return false;
  return a.host === b.host && a.port === b.port;
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? undefined : value;
}
