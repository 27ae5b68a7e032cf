/**
 * Notification hooks (`--notify URL`, repeatable): each `proposal.created` and
 * `proposal.decided` event of the hub is POSTed as JSON to every URL, retried with
 * exponential backoff. Delivery runs beside the gateway's work, never inside it, so a slow or
 * failing hook cannot hold up a submission or an approval; a delivery that still fails is
 * logged as one line naming the hook by its origin only (a Slack webhook's path is its secret).
 *
 * @module
 */

import type { EventHub, GatewayEvent } from "../events/mod.ts";
import type { ProposalRecord } from "../proposals/mod.ts";
import { type NotificationEvent, notificationMessage } from "./notification_message.ts";

/** Options of {@linkcode startNotifier}. */
export interface NotifierOptions {
  /** Hook URLs (http or https). */
  urls: string[];
  /** The gateway's event fan-out. */
  hub: EventHub;
  /** Reads a proposal as it is now. */
  lookup: (id: string) => Promise<ProposalRecord | undefined>;
  /** The gateway's address as reviewers reach it (links point at its `/inbox`). */
  inboxUrl: string;
  /** Where a failed delivery is reported (one line). */
  log: (line: string) => void;
  /** Attempts per hook and event (default 5). */
  attempts?: number;
  /** First retry delay in ms, doubled each time (default 500). */
  backoffMs?: number;
  /** Limit of one attempt in ms (default 5000). */
  timeoutMs?: number;
  /** The fetch used (tests inject one). */
  fetch?: typeof fetch;
}

/** A running notifier. */
export interface Notifier {
  /** Stop listening, abandon pending retries, and wait for deliveries in flight. */
  close(): Promise<void>;
}

/**
 * Check a `--notify` URL.
 *
 * @throws {TypeError} for anything but an absolute http or https URL
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseNotifyUrl } from "./notifier.ts";
 * assert.equal(parseNotifyUrl("https://hooks.example/x").host, "hooks.example");
 * assert.throws(() => parseNotifyUrl("file:///etc/passwd"));
 * ```
 */
export function parseNotifyUrl(text: string, flag = "--notify"): URL {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) {
    throw new TypeError(`Invalid ${flag} URL "${text.slice(0, 200)}": use an http or https URL`);
  }
  return url;
}

/**
 * Start delivering the hub's proposal events to every hook URL.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { EventHub, ProposalStore } from "../mod.ts";
 * import { startNotifier } from "./notifier.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/team.yaml`, "version: 1\n");
 * const store = new ProposalStore({ policiesDir: dir });
 * const rule = { endpoints: [{ host: "api.github.com", port: 443 }], binaries: [{ path: "/bin/gh" }] };
 * const submitted = await store.submit({ policy: "team", ruleName: "gh", rule, rationale: "r" });
 * assert(submitted.accepted);
 * const id = submitted.proposal.id;
 * const received = Promise.withResolvers<{ id: string; event: string }>();
 * const hook = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
 *   received.resolve(await req.json());
 *   return new Response(null, { status: 204 });
 * });
 * const hub = new EventHub();
 * const notifier = startNotifier({
 *   urls: [`http://127.0.0.1:${hook.addr.port}/hook`],
 *   hub,
 *   lookup: (id) => store.get(id),
 *   inboxUrl: "http://127.0.0.1:8787",
 *   log: () => {},
 * });
 * hub.publish({ type: "proposal.created", data: { id } }); // what the gateway publishes
 * assert.deepEqual(await received.promise.then(({ id, event }) => ({ id, event })), { id, event: "proposal.created" });
 * await notifier.close();
 * await hook.shutdown();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function startNotifier(options: NotifierOptions): Notifier {
  const o = { attempts: 5, backoffMs: 500, timeoutMs: 5_000, fetch: globalThis.fetch, ...options };
  const urls = o.urls.map((u) => parseNotifyUrl(u));
  if (urls.length === 0) return { close: () => Promise.resolve() };
  const stopping = new AbortController();
  const inFlight = new Set<Promise<void>>();
  const deliver = async (event: GatewayEvent) => {
    const record = await o.lookup(String(event.data.id)).catch(() => undefined);
    if (!record) return;
    const body = JSON.stringify(
      notificationMessage(event.type as NotificationEvent, record, o.inboxUrl),
    );
    await Promise.all(urls.map((url) => postWithRetry(url, body, o, stopping.signal)));
  };
  const sub = o.hub.subscribe((event) => {
    if (event.type !== "proposal.created" && event.type !== "proposal.decided") return;
    const running = deliver(event).catch(() => {});
    inFlight.add(running);
    void running.finally(() => inFlight.delete(running));
  });
  return {
    close: async () => {
      sub.unsubscribe();
      stopping.abort();
      await Promise.all([...inFlight]);
    },
  };
}

type Delivery = Required<
  Pick<NotifierOptions, "attempts" | "backoffMs" | "timeoutMs" | "fetch" | "log">
>;

async function postWithRetry(
  url: URL,
  body: string,
  o: Delivery,
  stop: AbortSignal,
): Promise<void> {
  let problem = "";
  for (let attempt = 1; attempt <= o.attempts && !stop.aborted; attempt++) {
    problem = await postOnce(url, body, o, stop);
    if (problem === "") return;
    if (attempt < o.attempts) await sleep(o.backoffMs * 2 ** (attempt - 1), stop);
  }
  if (stop.aborted) problem = `${problem || "not sent"}; gateway stopping`;
  o.log(`notify: POST to ${url.origin} failed after retries: ${problem}`);
}

/** One attempt: "" when the hook answered 2xx, else why not. */
async function postOnce(url: URL, body: string, o: Delivery, stop: AbortSignal): Promise<string> {
  const signal = AbortSignal.any([stop, AbortSignal.timeout(o.timeoutMs)]);
  try {
    const res = await o.fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
      signal,
      redirect: "manual",
    });
    await res.body?.cancel();
    return res.ok ? "" : `HTTP ${res.status}`;
  } catch (error) {
    return (error as Error).name === "TimeoutError"
      ? "timed out"
      : (error as Error).message.split("\n")[0]!;
  }
}

function sleep(ms: number, stop: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      stop.removeEventListener("abort", done);
      resolve();
    }
    stop.addEventListener("abort", done, { once: true });
  });
}
