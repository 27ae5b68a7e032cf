/**
 * The hook listener: `POST /v1/remote-changed` on an address the remote's `post-receive` hook can
 * reach (not only loopback). It needs no credential because it can do nothing but ask for a
 * fetch: the body is never read, the answer carries nothing, and signals coalesce into at most
 * one waiting sync, so a flood costs no more than the fetch interval's own fetches.
 *
 * @module
 */

import { ROUTE_REMOTE_CHANGED } from "../client/mod.ts";

/** A running hook listener. */
export interface HookListener {
  /** The URL to give the hook, e.g. `http://10.0.0.2:8788/v1/remote-changed`. */
  url: string;
  /** Stop listening. */
  close(): Promise<void>;
}

/**
 * Listen on `HOST:PORT` and call `onSignal` for each `POST /v1/remote-changed`.
 *
 * @throws {TypeError} for a malformed address
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { startHookListener } from "./hook_listener.ts";
 * let signals = 0;
 * const hook = startHookListener("127.0.0.1:0", () => signals++);
 * const res = await fetch(hook.url, { method: "POST", body: "" });
 * await res.body?.cancel();
 * assert.equal(res.status, 202);
 * assert.equal(signals, 1);
 * await hook.close();
 * ```
 */
export function startHookListener(listen: string, onSignal: () => void): HookListener {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:]+):(\d{1,5})$/.exec(listen);
  if (!m || Number(m[2]) > 65535) {
    throw new TypeError(`Invalid hook address "${listen}": use HOST:PORT`);
  }
  const hostname = m[1]!.replace(/^\[|\]$/g, "");
  const controller = new AbortController();
  const server = Deno.serve(
    { hostname, port: Number(m[2]), signal: controller.signal, onListen: () => {} },
    async (request) => {
      await request.body?.cancel().catch(() => {});
      if (new URL(request.url).pathname !== ROUTE_REMOTE_CHANGED) {
        return new Response(null, { status: 404 });
      }
      if (request.method !== "POST") return new Response(null, { status: 405 });
      onSignal();
      return new Response(null, { status: 202 });
    },
  );
  const host = hostname.includes(":") ? `[${hostname}]` : hostname;
  return {
    url: `http://${host}:${server.addr.port}${ROUTE_REMOTE_CHANGED}`,
    close: async () => {
      controller.abort();
      await server.finished;
    },
  };
}
