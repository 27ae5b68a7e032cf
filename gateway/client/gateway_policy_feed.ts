/**
 * A gateway's policy as a proxy's policy source: the first text from `GET` of the policy, every
 * later one from the gateway's push (`subscribePolicy`). `tollgate proxy --gateway URL` and the
 * bench's proxy fleet hand it to `startProxyService` as its `feed`.
 *
 * @module
 */

import type { PolicyFeed } from "../../proxy/mod.ts";
import type { GatewayClient } from "./gateway_client.ts";
import { subscribePolicy } from "./subscribe_policy.ts";

/**
 * The feed of policy `name` from the gateway `client` speaks to.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { GatewayClient } from "./gateway_client.ts";
 * import { gatewayPolicyFeed } from "./gateway_policy_feed.ts";
 * // Nothing is asked of the gateway until the service calls initial() and follow().
 * const client = new GatewayClient({ url: "http://127.0.0.1:9", token: "t" });
 * const feed = gatewayPolicyFeed(client, "team");
 * assert.equal(typeof feed.initial, "function");
 * assert.equal(typeof feed.follow, "function");
 * ```
 */
export function gatewayPolicyFeed(client: GatewayClient, name: string): PolicyFeed {
  return {
    async initial() {
      const policy = await client.policy(name);
      if (!policy) throw new Error(`The gateway has no policy "${name}"`);
      return policy.text;
    },
    follow: (onText, signal) =>
      subscribePolicy(
        client,
        name,
        (text, version) => onText(text, version.json, version.utf8),
        signal,
      ),
  };
}
