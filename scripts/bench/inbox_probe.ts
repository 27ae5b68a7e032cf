/**
 * A signed-in inbox as the benchmark sees it: a session (cookie and CSRF token), the open
 * event stream the page listens on, and the two things the page does — fetch the pending
 * list after an event, and post a decision form.
 *
 * @module
 */

import { readServerSentEvents, type RunningGateway } from "../../gateway/mod.ts";

/** An open inbox. */
export interface InboxProbe {
  /** Resolves at the next `proposal.created` event for `id`. */
  created(id: string, timeoutMs: number): Promise<void>;
  /** The pending list as the page fetches it after an event. */
  pendingList(): Promise<string>;
  /** Open proposal `id`'s page: its approve form's fields (CSRF token, the policy hash read). */
  open(id: string): Promise<URLSearchParams>;
  /** Post the approve form of proposal `id` with the fields its page gave (expects 303). */
  approve(id: string, form: URLSearchParams): Promise<void>;
  /** Close the stream. */
  close(): Promise<void>;
}

/**
 * Sign in with `token` and open the inbox's event stream.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { startGateway } from "../../gateway/mod.ts";
 * import { budgetFor } from "./budget.ts";
 * import type { BenchSetup } from "./setup.ts";
 * import { openInboxProbe } from "./inbox_probe.ts";
 * import { createControlRepo } from "./rows_control.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const setup: BenchSetup = {
 *   budget: budgetFor(true),
 *   certs: { caPem: "", chainPem: "", keyPem: "" },
 *   upstreams: { httpPort: 9, httpsPort: 9, close: () => Promise.resolve() },
 *   dir,
 * };
 * const repo = await createControlRepo(setup);
 * const gateway = await startGateway({
 *   policiesDir: repo.policiesDir,
 *   stateDir: `${dir}/gateway-state`,
 *   listen: "127.0.0.1:0",
 * });
 * const inbox = await openInboxProbe(gateway, await gateway.credentials.addReviewer("reviewer"));
 * assert.doesNotMatch(await inbox.pendingList(), /p-/); // nothing pending yet
 * await inbox.close();
 * await gateway.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function openInboxProbe(gateway: RunningGateway, token: string): Promise<InboxProbe> {
  const signIn = await fetch(`${gateway.url}/inbox/sign-in`, {
    method: "POST",
    body: new URLSearchParams({ token }),
    redirect: "manual",
  });
  await signIn.body?.cancel();
  const cookie = (signIn.headers.get("set-cookie") ?? "").split(";")[0]!;
  const page = await (await fetch(`${gateway.url}/inbox`, { headers: { cookie } })).text();
  const csrf = /name="csrf" value="([^"]+)"/.exec(page)?.[1];
  if (!csrf) throw new Error(`Inbox sign-in failed (${signIn.status})`);
  const controller = new AbortController();
  const stream = await fetch(`${gateway.url}/inbox/events`, {
    headers: { cookie },
    signal: controller.signal,
  });
  const seen = new Set<string>();
  const waiters = new Map<string, () => void>();
  const reading = (async () => {
    for await (const event of readServerSentEvents(stream.body!, controller.signal)) {
      if (event.event !== "proposal.created") continue;
      const id = String(JSON.parse(event.data).id);
      seen.add(id);
      waiters.get(id)?.();
    }
  })().catch(() => {});
  return {
    created: (id, timeoutMs) =>
      new Promise((resolve, reject) => {
        if (seen.has(id)) return resolve();
        const timer = setTimeout(() => reject(new Error(`No event for ${id}`)), timeoutMs);
        waiters.set(id, () => (clearTimeout(timer), waiters.delete(id), resolve()));
      }),
    pendingList: async () =>
      await (await fetch(`${gateway.url}/inbox/fragments/pending`, { headers: { cookie } }))
        .text(),
    open: async (id) => {
      const url = `${gateway.url}/inbox/proposals/${id}`;
      const page = await (await fetch(url, { headers: { cookie } })).text();
      const form = /<form [^>]*id="approve-form">([^]*?)<\/form>/.exec(page)?.[1] ?? "";
      const fields = [...form.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)];
      return new URLSearchParams(fields.map((m) => [m[1]!, m[2]!]));
    },
    approve: async (id, form) => {
      const res = await fetch(`${gateway.url}/inbox/proposals/${id}/approve`, {
        method: "POST",
        headers: { cookie },
        body: form,
        redirect: "manual",
      });
      await res.body?.cancel();
      if (res.status !== 303) throw new Error(`Inbox approve answered ${res.status}`);
    },
    close: async () => {
      controller.abort();
      await reading;
    },
  };
}
