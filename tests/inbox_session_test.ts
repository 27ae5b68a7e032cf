/**
 * The web inbox's sessions (#16) through Hono's `app.request()` and over HTTPS: sign-in and
 * its cookie, roles, CSRF, idle expiry, sign-out, and a session's event stream.
 */
import assert from "node:assert/strict";
import { readServerSentEvents, startGateway } from "../gateway/mod.ts";
import { mintTestCertificates } from "../scripts/demo/test_certificates.ts";
import { makeRepo } from "./gateway_fixtures.ts";
import { form, signInBrowser, withInbox } from "./inbox_fixtures.ts";
import { submitPut } from "./inbox_fixtures.ts";

Deno.test("inbox #16: sign-in with a reviewer token sets an HttpOnly, SameSite=Strict session cookie", () =>
  withInbox(async (f) => {
    const before = await f.request("/inbox", { headers: { accept: "text/html" } });
    assert.equal(before.status, 303);
    assert.equal(before.headers.get("location"), "/inbox/sign-in");
    const res = await f.request("/inbox/sign-in", {
      method: "POST",
      body: form({ token: f.aliceToken }),
    });
    assert.equal(res.status, 303);
    const cookie = res.headers.get("set-cookie") ?? "";
    assert.match(cookie, /^tollgate_inbox=[A-Za-z0-9_-]{43};/);
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Strict/);
    assert.match(cookie, /Path=\/inbox/);
    assert.match(cookie, /Max-Age=\d+/);
    const b = await signInBrowser(f, f.aliceToken);
    const page = await (await b.get("/inbox")).text();
    assert.match(page, /Signed in as <strong id="reviewer">alice<\/strong>/);
    const wrong = await f.request("/inbox/sign-in", {
      method: "POST",
      body: form({ token: "tg_rev_nope-nope-nope-nope" }),
    });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.headers.get("set-cookie"), null);
    await wrong.body?.cancel();
  }));

Deno.test("inbox #16: a proxy credential can neither sign in nor approve (403)", () =>
  withInbox(async (f) => {
    const id = await submitPut(f);
    const signIn = await f.request("/inbox/sign-in", {
      method: "POST",
      body: form({ token: f.proxyToken }),
    });
    assert.equal(signIn.status, 403);
    assert.equal(signIn.headers.get("set-cookie"), null);
    assert.match(await signIn.text(), /Only a reviewer credential may sign in/);
    const api = await f.request(`/v1/proposals/${id}/approve`, {
      method: "POST",
      headers: { authorization: `Bearer ${f.proxyToken}` },
    });
    assert.equal(api.status, 403);
    await api.body?.cancel();
    // A bearer header is no session: the inbox's own approve route refuses it too.
    const inbox = await f.request(`/inbox/proposals/${id}/approve`, {
      method: "POST",
      headers: { authorization: `Bearer ${f.proxyToken}` },
    });
    assert.equal(inbox.status, 401);
    await inbox.body?.cancel();
    assert.equal((await f.store.get(id))?.state, "pending");
  }));

Deno.test("inbox #16: a POST without the session's CSRF token is refused (403) and changes nothing", () =>
  withInbox(async (f) => {
    const id = await submitPut(f);
    const b = await signInBrowser(f, f.aliceToken);
    assert.ok(b.csrf.length >= 43);
    const attempts: Record<string, string>[] = [{}, { csrf: "" }, { csrf: "x".repeat(43) }];
    for (const fields of attempts) {
      const res = await b.post(`/inbox/proposals/${id}/approve`, fields);
      assert.equal(res.status, 403);
      assert.match(await res.text(), /CSRF/);
    }
    // The right token sent by another site is refused as well.
    const cross = await b.post(`/inbox/proposals/${id}/approve`, { csrf: b.csrf }, {
      "sec-fetch-site": "cross-site",
    });
    assert.equal(cross.status, 403);
    await cross.body?.cancel();
    const reject = await b.post(`/inbox/proposals/${id}/reject`, { reason: "no" });
    assert.equal(reject.status, 403);
    await reject.body?.cancel();
    assert.equal((await f.store.get(id))?.state, "pending");
  }));

Deno.test("inbox #16: a session expires when idle, and ends when its reviewer is removed", async () => {
  let now = 1_000_000;
  await withInbox(async (f) => {
    const b = await signInBrowser(f, f.aliceToken);
    assert.equal((await b.get("/inbox/fragments/pending")).status, 200);
    now += 31 * 60_000;
    const idle = await b.get("/inbox/fragments/pending");
    assert.equal(idle.status, 303);
    assert.equal(idle.headers.get("location"), "/inbox/sign-in");
    await idle.body?.cancel();
    const c = await signInBrowser(f, f.aliceToken);
    await f.credentials.removeReviewer("alice");
    const gone = await c.get("/inbox/fragments/pending");
    assert.equal(gone.status, 303);
    await gone.body?.cancel();
  }, { now: () => now, idleMs: 30 * 60_000 });
});

Deno.test("inbox #16: sign-out ends the session", () =>
  withInbox(async (f) => {
    const b = await signInBrowser(f, f.aliceToken);
    const out = await b.post("/inbox/sign-out", { csrf: b.csrf });
    assert.equal(out.status, 303);
    const after = await b.get("/inbox/fragments/pending");
    assert.equal(after.status, 303);
    await after.body?.cancel();
  }));

Deno.test("inbox #16: gateway --tls-cert/--tls-key serves the inbox over HTTPS with a Secure session cookie", async () => {
  const repo = await makeRepo();
  const certs = await mintTestCertificates(`${repo.root}/ca`, ["localhost"]);
  const gateway = await startGateway({
    policiesDir: repo.policies,
    stateDir: `${repo.root}/.tollgate`,
    listen: "127.0.0.1:0",
    tls: { cert: certs.certPem, key: certs.keyPem },
  });
  const client = Deno.createHttpClient({ caCerts: [certs.caCertPem] });
  try {
    assert.match(gateway.url, /^https:\/\//);
    const token = await gateway.credentials.addReviewer("alice");
    const res = await fetch(`https://localhost:${gateway.port}/inbox/sign-in`, {
      method: "POST",
      body: form({ token }),
      redirect: "manual",
      client,
    });
    assert.equal(res.status, 303);
    await res.body?.cancel();
    assert.match(res.headers.get("set-cookie") ?? "", /; Secure/);
  } finally {
    client.close();
    await gateway.close();
    await repo.cleanup();
  }
});

Deno.test("inbox #16: the session's event stream ends, undelivered, once its reviewer is removed", () =>
  withInbox(async (f) => {
    const b = await signInBrowser(f, f.aliceToken);
    const res = await b.get("/inbox/events");
    assert.equal(res.status, 200);
    const controller = new AbortController();
    const events = readServerSentEvents(res.body!, controller.signal);
    try {
      assert.equal((await events.next()).value?.event, "ready");
      f.hub.publish({ type: "proposal.created", data: { id: "p-1" } });
      assert.equal((await events.next()).value?.data, JSON.stringify({ id: "p-1" }));
      await f.credentials.removeReviewer("alice");
      f.hub.publish({ type: "proposal.created", data: { id: "p-2" } });
      const next = await events.next();
      assert.equal(next.done, true, `stream still open: ${JSON.stringify(next.value)}`);
    } finally {
      controller.abort();
      await events.return(undefined);
    }
  }));
