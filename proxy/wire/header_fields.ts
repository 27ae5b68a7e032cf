/**
 * Header fields as the parser keeps them (ordered name/value pairs) and the lookups the
 * proxy needs on them.
 *
 * @module
 */

/** One header field as received: name with its original case, value without OWS. */
export type HeaderField = [name: string, value: string];

/**
 * All values of a header (case-insensitive name), in order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { values } from "./header_fields.ts";
 * assert.equal(values([["Host", "a"]], "host")[0], "a");
 * ```
 */
export function values(headers: HeaderField[], lowerName: string): string[] {
  const found: string[] = [];
  for (const [name, value] of headers) {
    if (name.length === lowerName.length && name.toLowerCase() === lowerName) found.push(value);
  }
  return found;
}

// Headers by which frameworks (Rails, Express method-override, Symfony, Google APIs) let a
// POST act as another method. The proxy cannot know whether the origin honours them.
const METHOD_OVERRIDE_HEADERS = ["x-http-method-override", "x-http-method", "x-method-override"];
// Headers by which a front server tells the application the URL it rewrote (IIS URL Rewrite):
// Symfony before 5.x and Zend route on them instead of the request line, so a request allowed
// for one path would run another. No client sends them for its own requests.
const PATH_OVERRIDE_HEADERS = ["x-original-url", "x-rewrite-url"];
/** An HTTP method token (RFC 9110 `token`). */
export const METHOD_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * The methods a request's override headers name, or the problem that refuses it: an override
 * that is not a single method token (a list or an empty value could be read differently by
 * different origins), or a header naming another path (`X-Original-URL`, `X-Rewrite-URL`).
 * Names are read as CGI-style servers read them (`cgiName()`), in one pass over the headers.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { methodOverrides } from "./header_fields.ts";
 * assert.deepEqual(methodOverrides([["X-HTTP-Method-Override", "DELETE"]]), ["DELETE"]);
 * assert.equal(typeof methodOverrides([["X-Method-Override", "GET, DELETE"]]), "string");
 * assert.deepEqual(methodOverrides([["X_HTTP_METHOD_OVERRIDE", "PUT"]]), ["PUT"]);
 * assert.match(String(methodOverrides([["X_Original_URL", "/admin"]])), /x-original-url/);
 * ```
 */
export function methodOverrides(headers: HeaderField[]): string[] | string {
  const found: string[] = [];
  for (const [raw, value] of headers) {
    const name = cgiName(raw);
    if (PATH_OVERRIDE_HEADERS.includes(name)) {
      return `The ${name} header names another path for the origin: send the path in the ` +
        "request line";
    }
    if (!METHOD_OVERRIDE_HEADERS.includes(name)) continue;
    if (!METHOD_TOKEN.test(value)) return `The ${name} header must name one method`;
    found.push(value);
  }
  return found;
}

/**
 * A header's name as CGI-style servers (PHP, Rack on WEBrick) hand it to the application:
 * letter case and `_` against `-` ignored, so `X_HTTP_METHOD_OVERRIDE` reaches Symfony and
 * `Rack::MethodOverride` as `X-HTTP-Method-Override` does.
 */
function cgiName(raw: string): string {
  return raw.toLowerCase().replaceAll("_", "-");
}
