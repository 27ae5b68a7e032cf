/**
 * policy.local as a request handler whose Hono app is loaded on the first request. An agent
 * calls policy.local only after a denial, most proxies never; importing the app (Hono and its
 * routes) with the proxy cost every proxy about 2 MB of resident memory for the whole of its
 * life.
 *
 * @module
 */

import type { PolicyLocalDeps } from "./policy_local_deps.ts";

/** policy.local's requests answered (see {@linkcode policyLocalHandler}). */
export interface PolicyLocalHandler {
  /** Answer one request to `http://policy.local/...`. */
  fetch(request: Request): Promise<Response>;
  /** Answer the request `new Request(input, init)` (as Hono's `app.request()`, absolute URLs). */
  request(input: string | URL, init?: RequestInit): Promise<Response>;
}

type AppModule = typeof import("./policy_local_app.ts");

/**
 * A computed specifier: a literal `import("./policy_local_app.ts")` makes Deno read and parse
 * the app's whole graph (Hono included) when this file loads, even if it is never called.
 */
function loadApp(): Promise<AppModule> {
  return import(new URL("./policy_local_app.ts", import.meta.url).href);
}

/**
 * The policy.local handler over `deps`: the app (`createPolicyLocalApp`) is built once, on the
 * first request, with its limits (rate buckets, waits) starting from that moment.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { policyLocalHandler } from "./policy_local_handler.ts";
 * import { PolicyHolder } from "../mod.ts";
 *
 * const policyLocal = policyLocalHandler({
 *   policyName: "demo",
 *   sandboxId: "sb-demo",
 *   policy: PolicyHolder.fromText("demo", "demo.yaml", "version: 1\n"),
 *   logDir: "/nonexistent",
 *   skill: () => Promise.resolve("# Policy advisor\n"),
 * });
 * const res = await policyLocal.request("http://policy.local/v1/skill");
 * assert.equal(await res.text(), "# Policy advisor\n");
 * ```
 */
export function policyLocalHandler(deps: PolicyLocalDeps): PolicyLocalHandler {
  let app: Promise<{ fetch(request: Request): Response | Promise<Response> }> | undefined;
  const fetch = async (request: Request): Promise<Response> => {
    // A failed load is not kept: the next request tries again.
    app ??= loadApp().then((m) => m.createPolicyLocalApp(deps), (error) => {
      app = undefined;
      throw error;
    });
    return await (await app).fetch(request);
  };
  return { fetch, request: (input, init) => fetch(new Request(input, init)) };
}
