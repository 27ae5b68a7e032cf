/**
 * A failed enrolment at a gateway, said as one line that names the cause and the fix, without
 * the runtime's raw text.
 *
 * @module
 */

import { GatewayError, TOKEN_FILE } from "../gateway/client/mod.ts";
import { CliFailure } from "./context.ts";

/**
 * Throws enrolment's failure as one line that says what to do: the gateway is unreachable,
 * refused the token, or has no such policy.
 */
export function gatewayFailure(url: string, policy: string, error: unknown): never {
  if (error instanceof GatewayError && error.status === 404) {
    throw new CliFailure(`The gateway at ${url} has no policy "${policy}"`);
  }
  if (error instanceof GatewayError && error.status === 401) {
    throw new CliFailure(
      `The gateway at ${url} refused the enrolment token: pass the gateway's own ` +
        `STATE/${TOKEN_FILE} with --gateway-token-file or TOLLGATE_GATEWAY_TOKEN`,
    );
  }
  if (error instanceof GatewayError) throw new CliFailure(error.message);
  throw new CliFailure(
    `Cannot reach the gateway at ${url} (${unreachable(error)}): is ` +
      `"tollgate gateway" running there?`,
  );
}

/** The cause of a failed fetch in a few words, without the runtime's raw text. */
function unreachable(error: unknown): string {
  const text = error instanceof Error ? `${error.message} ${String(error.cause ?? "")}` : "";
  if (/refused/i.test(text)) return "connection refused";
  if (/dns|lookup|resolve/i.test(text)) return "its name does not resolve";
  if (/certificate|tls|handshake/i.test(text)) return "TLS failed: is its certificate trusted?";
  if (/blocked/i.test(text)) return "that port is blocked";
  return "no answer";
}
