/**
 * Fixtures of the inbox tests: a gateway app over a temporary Git repository (for
 * `app.request()`), a browser-like cookie jar that signs in and reads the CSRF token, and a
 * proposal to write one file.
 *
 * @module
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { CredentialStore, DirectoryWatcher, EventHub, ProposalStore } from "../gateway/mod.ts";
import type { OcsfEvent } from "../proxy/ocsf/mod.ts";
import { createGatewayApp } from "../gateway/server/gateway_app.ts";
import { type InboxSessionOptions, InboxSessions } from "../gateway/inbox/mod.ts";
import { makeRepo, putProposal, type TempRepo } from "./gateway_fixtures.ts";

/** A gateway app and what it is built on. */
export interface InboxFixture {
  repo: TempRepo;
  app: ReturnType<typeof createGatewayApp>;
  store: ProposalStore;
  hub: EventHub;
  credentials: CredentialStore;
  events: OcsfEvent[];
  aliceToken: string;
  proxyToken: string;
  /** `app.request()` with a base URL. */
  request(path: string, init?: RequestInit): Promise<Response>;
}

/** Run `fn` with a fresh gateway app (no listening socket) and clean up after. */
export async function withInbox(
  fn: (f: InboxFixture) => Promise<void>,
  sessions: InboxSessionOptions = {},
): Promise<void> {
  const repo = await makeRepo();
  const stateDir = join(repo.root, ".tollgate");
  const events: OcsfEvent[] = [];
  const store = new ProposalStore({ policiesDir: repo.policies, emit: (e) => events.push(e) });
  const hub = new EventHub();
  const watcher = new DirectoryWatcher({ policiesDir: repo.policies, hub });
  const credentials = new CredentialStore(stateDir);
  const app = createGatewayApp({
    store,
    watcher,
    hub,
    token: "host-token-for-tests-0000",
    credentials,
    inbox: { sessions: new InboxSessions(sessions), logDir: join(stateDir, "logs") },
  });
  try {
    const aliceToken = await credentials.addReviewer("alice");
    const { token: proxyToken } = await credentials.enrolProxy("team");
    const request = async (path: string, init?: RequestInit) =>
      await app.request(`http://127.0.0.1:8787${path}`, init);
    await fn({ repo, app, store, hub, credentials, events, aliceToken, proxyToken, request });
  } finally {
    hub.close();
    await repo.cleanup();
  }
}

/** A signed-in browser: its cookie and the page's CSRF token. */
export interface Browser {
  cookie: string;
  csrf: string;
  get(path: string): Promise<Response>;
  post(
    path: string,
    form: Record<string, string>,
    headers?: Record<string, string>,
  ): Promise<Response>;
}

/** Sign in with `token` as a browser would (form POST), then read the CSRF token of `/inbox`. */
export async function signInBrowser(f: InboxFixture, token: string): Promise<Browser> {
  const res = await f.request("/inbox/sign-in", { method: "POST", body: form({ token }) });
  if (res.status !== 303) throw new Error(`Sign-in answered ${res.status}: ${await res.text()}`);
  const cookie = (res.headers.get("set-cookie") ?? "").split(";")[0]!;
  const get = (path: string) => f.request(path, { headers: { cookie, accept: "text/html" } });
  const page = await (await get("/inbox")).text();
  const csrf = /name="csrf" value="([^"]+)"/.exec(page)?.[1] ?? "";
  const post = (path: string, fields: Record<string, string>, headers = {}) =>
    f.request(path, { method: "POST", body: form(fields), headers: { cookie, ...headers } });
  return { cookie, csrf, get, post };
}

/** The hidden fields of a proposal page's approve form (CSRF token, the policy hash read). */
export function approveFields(page: string): Record<string, string> {
  const approveForm = /<form [^>]*id="approve-form">([^]*?)<\/form>/.exec(page)?.[1] ?? "";
  return Object.fromEntries(
    [...approveForm.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)]
      .map((m) => [m[1]!, m[2]!]),
  );
}

/** A urlencoded form body. */
export function form(fields: Record<string, string>): URLSearchParams {
  return new URLSearchParams(fields);
}

/** Submit a proposal to PUT `path` (rule `put_<path>`) to the inbox's store; its id. */
export async function submitPut(
  f: InboxFixture,
  rationale?: string,
  path = "x.md",
): Promise<string> {
  const input = putProposal(rationale);
  const endpoint = input.rule.endpoints[0]!;
  endpoint.rules = [{ allow: { method: "PUT", path: `/repos/o/r/contents/${path}` } }];
  const result = await f.store.submit({ ...input, ruleName: `put_${path.replace(/\W/g, "_")}` });
  assert.ok(result.accepted, JSON.stringify(result));
  return result.proposal.id;
}
