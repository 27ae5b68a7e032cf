/**
 * The chat room of the raw-socket WebSocket tests: a policy with one judged WebSocket endpoint
 * on `chat.example.com:80` (the upgrade on `/chat/**`, messages on a path told), and a
 * recording origin behind a test proxy under it.
 *
 * @module
 */

import type { TestProxy } from "./test_proxy.ts";
import type { WebSocketOrigin } from "./websocket_origin.ts";
import { withWebSocketOrigin } from "./with_websocket_origin.ts";

/** Options of {@linkcode chatPolicy}. */
export interface ChatPolicyOptions {
  /** The path glob the `WEBSOCKET_TEXT` rule allows; `/chat/**` unless told. */
  messages?: string;
  /** The `WEBSOCKET_TEXT` rule's query matcher, as YAML flow text (`{ as: "agent" }`). */
  query?: string;
  /** One more endpoint of the rule, as a YAML flow mapping. */
  alsoEndpoint?: string;
}

/**
 * The chat policy (YAML): `chat.example.com:80` with `protocol: websocket`, the upgrade
 * (`GET /chat/**`) allowed, messages allowed on `messages`, for this Deno binary.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { chatPolicy } from "./mod.ts";
 * assert.match(chatPolicy({ messages: "/chat/1" }), /WEBSOCKET_TEXT, path: "\/chat\/1" }/);
 * ```
 */
export function chatPolicy(options: ChatPolicyOptions = {}): string {
  const query = options.query === undefined ? "" : `, query: ${options.query}`;
  const also = options.alsoEndpoint === undefined ? "" : `      - ${options.alsoEndpoint}\n`;
  return `version: 1
network_policies:
  chat:
    endpoints:
      - host: chat.example.com
        port: 80
        protocol: websocket
        rules:
          - allow: { method: GET, path: "/chat/**" }
          - allow: { method: WEBSOCKET_TEXT, path: "${options.messages ?? "/chat/**"}"${query} }
${also}    binaries: [{ path: "${Deno.execPath()}" }]
`;
}

/** Options of {@linkcode withChatOrigin}: the policy's, and the proxy's. */
export interface WithChatOriginOptions extends ChatPolicyOptions {
  /** Names whose port 80 the proxy sends to the origin; `chat.example.com` unless told. */
  hosts?: string[];
  /** Also write the OCSF log files (the test proxy's `writeLogs`). */
  writeLogs?: boolean;
}

/**
 * Run `run` against a recording origin behind a test proxy under {@linkcode chatPolicy}, then
 * close them all, also when it fails.
 */
export function withChatOrigin(
  options: WithChatOriginOptions,
  run: (proxy: TestProxy, origin: WebSocketOrigin) => Promise<void>,
): Promise<void> {
  const { hosts = ["chat.example.com"], writeLogs, ...policy } = options;
  return withWebSocketOrigin({ policy: chatPolicy(policy), hosts, writeLogs }, run);
}
