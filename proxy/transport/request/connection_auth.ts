/**
 * Authentication that binds to a connection rather than to each request. After an NTLM
 * handshake (and Negotiate as IIS runs it) the origin treats every later request on that TCP
 * connection as the user who authenticated, with no credential in it: pooled and handed to
 * another client, the connection would lend it that identity.
 *
 * @module
 */

import { values } from "../../wire/mod.ts";
import type { HeaderField } from "../../wire/mod.ts";

// A scheme at the start of a credential, or of any challenge in a list.
const CREDENTIAL = /^\s*(?:ntlm|negotiate)(?:\s|$)/i;
const CHALLENGE = /(?:^|,)\s*(?:ntlm|negotiate)(?:\s|,|$)/i;

/**
 * Whether an exchange authenticated its connection, or began to: the request carried an
 * NTLM or Negotiate credential, or the response (a 401) asked for one. Such a connection
 * must never serve another client.
 *
 * @param request The request's header fields.
 * @param response The response's status and header fields.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bindsConnection } from "./connection_auth.ts";
 *
 * const ok = { status: 200, headers: [] };
 * assert.equal(bindsConnection([["Authorization", "NTLM TlRMTVNTUAADAAAA"]], ok), true);
 * assert.equal(bindsConnection([["Authorization", "Bearer t0ken"]], ok), false);
 * const challenge = { status: 401, headers: [["WWW-Authenticate", "Basic realm=x, Negotiate"]] };
 * assert.equal(bindsConnection([], challenge as typeof ok), true);
 * ```
 */
export function bindsConnection(
  request: HeaderField[],
  response: { status: number; headers: HeaderField[] },
): boolean {
  if (values(request, "authorization").some((value) => CREDENTIAL.test(value))) return true;
  // Challenges come with 401 only: other responses are not scanned.
  return response.status === 401 &&
    values(response.headers, "www-authenticate").some((value) => CHALLENGE.test(value));
}
