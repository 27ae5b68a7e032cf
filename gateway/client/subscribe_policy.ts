/**
 * What a proxy started with `--gateway URL` runs: follow the gateway's event stream and hand
 * every new text of one policy to a callback (the proxy's `PolicyHolder.update`). No polling:
 * the stream pushes `policy.updated` carrying the text or, for a large policy, its change from
 * the text before (`TextPatch`). The text is fetched, once per new hash, only when the event was
 * too large to carry it, when the change is from another text, and after `ready`; after a
 * dropped connection the client reconnects (with backoff) and catches up from `ready`.
 *
 * @module
 */

import type { PublishedPolicy } from "./gateway_wire.ts";
import type { GatewayClient } from "./gateway_client.ts";
import { applyTextPatchUtf8 } from "./text_patch.ts";

/** Revision and hash of a delivered policy text. */
export interface PolicyVersion {
  /** The policy's revision. */
  revision: number;
  /** The policy's hash. */
  hash: string;
  /**
   * The validated policy as a JSON document, when the push carried one (the proxy validates
   * and compiles it instead of parsing the YAML text).
   */
  json?: string;
  /**
   * The text's UTF-8 bytes, when a pushed change was applied here (encoded for its digest): for
   * the proxy's load worker, which takes them instead of encoding the text again. Moved, not
   * copied, by whoever uses them.
   */
  utf8?: Uint8Array<ArrayBuffer>[];
}

/** Options of `subscribePolicy`. */
export interface SubscribeOptions {
  /** First reconnect delay, in ms (doubles up to `maxRetryMs`). */
  retryMs?: number;
  /** Longest reconnect delay, in ms. */
  maxRetryMs?: number;
  /** Told about connection failures and callback errors (the loop keeps going). */
  onError?: (error: unknown) => void;
}

const defaults = { retryMs: 200, maxRetryMs: 5_000, onError: (_: unknown) => {} };

/**
 * Deliver policy `name` now and on every change until `signal` aborts.
 *
 * @param onText receives each new text; if it throws (an invalid policy), the next change
 *   is delivered anyway
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { GatewayClient, startGateway, subscribePolicy } from "../mod.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.mkdir(`${dir}/policies`);
 * await Deno.writeTextFile(`${dir}/policies/team.yaml`, "version: 1\n");
 * const gw = await startGateway({ policiesDir: `${dir}/policies`, stateDir: `${dir}/state`, listen: "127.0.0.1:0" });
 * const { token } = await new GatewayClient({ url: gw.url, token: gw.token }).enrol("team");
 * const client = new GatewayClient({ url: gw.url, token });
 * const controller = new AbortController();
 * const revisions: number[] = [];
 * await subscribePolicy(client, "team", (_text, version) => {
 *   revisions.push(version.revision);
 *   controller.abort(); // one text is enough here; a proxy follows until it stops
 * }, controller.signal);
 * assert.deepEqual(revisions, [0]);
 * await gw.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function subscribePolicy(
  client: GatewayClient,
  name: string,
  onText: (text: string, version: PolicyVersion) => void | Promise<void>,
  signal: AbortSignal,
  options: SubscribeOptions = {},
): Promise<void> {
  const o = { ...defaults, ...options };
  let delivered: string | undefined;
  // The text last delivered: a large policy's push carries its change from the one before.
  let held: string | undefined;
  type Pushed = PublishedPolicy & { policy_json?: unknown; utf8?: Uint8Array<ArrayBuffer> };
  const apply = async (policy: Pushed | undefined) => {
    if (!policy || policy.hash === delivered) return;
    try {
      const version: PolicyVersion = { revision: policy.revision, hash: policy.hash };
      if (typeof policy.policy_json === "string") version.json = policy.policy_json;
      if (policy.utf8) version.utf8 = [policy.utf8];
      await onText(policy.text, version);
      delivered = policy.hash;
      held = policy.text;
    } catch (error) {
      o.onError(error);
    }
  };
  // The event carries the text, or its change from the text before (unless it is very large):
  // no round trip, which after an idle spell cost hundreds of ms on a busy machine.
  const deliver = async (listed?: Partial<PublishedPolicy> & { text_patch?: unknown }) => {
    if (listed?.hash !== undefined && listed.hash === delivered) return;
    if (isSnapshot(listed)) return await apply(listed);
    const made = listed?.text_patch !== undefined && held !== undefined
      ? await applyTextPatchUtf8(held, listed.text_patch)
      : undefined;
    const patched = { ...listed, ...made };
    // Another base than the text held, or no change sent: the whole text, as the gateway has it.
    await apply(isSnapshot(patched) ? patched : await client.policy(name, signal));
  };
  let delay = o.retryMs;
  while (!signal.aborted) {
    try {
      for await (const event of client.events(signal)) {
        delay = o.retryMs;
        const data = JSON.parse(event.data || "{}");
        if (event.event === "ready") {
          const listed = (data.policies ?? []).find((p: { name: string }) => p.name === name);
          await deliver({ hash: listed?.hash });
        } else if (event.event === "policy.updated" && data.name === name) {
          await deliver(data);
        }
      }
    } catch (error) {
      if (signal.aborted) break;
      o.onError(error);
    }
    await pause(delay, signal);
    delay = Math.min(delay * 2, o.maxRetryMs);
  }
}

function isSnapshot(data: Partial<PublishedPolicy> | undefined): data is PublishedPolicy {
  return typeof data?.text === "string" && typeof data.hash === "string" &&
    typeof data.revision === "number" && typeof data.name === "string";
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done);
  });
}
