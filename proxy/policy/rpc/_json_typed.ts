/**
 * Whether a GraphQL POST body is typed so that every server reads it as JSON. GraphQL Yoga and
 * express-graphql read a body typed `application/x-www-form-urlencoded` as a form, not as JSON,
 * and a JSON text can hold `&query=...` inside a string:
 * `{"query":"{ viewer }","x":"&query=mutation {...}"}` is a query to the proxy and a mutation to
 * Yoga; a body not typed JSON alone is also read as a form (`formKeyNamed()`, proxy/policy/path).
 *
 * @module
 */

// The one body type every GraphQL server reads as JSON: `application/json` or a `+json` type,
// with at most a charset; anything else may be read as a form by some server.
const JSON_TYPE =
  /^\s*application\/(?:[a-z0-9.-]+\+)?json\s*(?:;\s*charset\s*=\s*"?[a-z0-9_-]+"?\s*)?$/i;

/**
 * Whether a `Content-Type` value (fields joined with `,`) types a body as JSON alone.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { jsonTyped } from "./_json_typed.ts";
 * assert.equal(jsonTyped("application/json; charset=utf-8"), true);
 * assert.equal(jsonTyped("application/x-www-form-urlencoded; x=application/json"), false);
 * assert.equal(jsonTyped(undefined), false);
 * ```
 */
export function jsonTyped(contentType: string | undefined): boolean {
  return contentType !== undefined && JSON_TYPE.test(contentType);
}
