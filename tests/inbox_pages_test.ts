/**
 * The web inbox (#16) through Hono's `app.request()`: sign-in and its cookie, CSRF, roles,
 * inert rendering of hostile text, decisions identical to the CLI's, history, expiry.
 */
import assert from "node:assert/strict";
import { readServerSentEvents, startGateway } from "../gateway/mod.ts";
import { mintTestCertificates } from "../scripts/demo/test_certificates.ts";
import { HOSTILE_RATIONALE, makeRepo, putProposal } from "./gateway_fixtures.ts";
import { form, type InboxFixture, signInBrowser, withInbox } from "./inbox_fixtures.ts";

async function submit(f: InboxFixture, rationale?: string, path = "x.md"): Promise<string> {
  const input = putProposal(rationale);
  const endpoint = input.rule.endpoints[0]!;
  endpoint.rules = [{ allow: { method: "PUT", path: `/repos/o/r/contents/${path}` } }];
  const result = await f.store.submit({ ...input, ruleName: `put_${path.replace(/\W/g, "_")}` });
  assert.ok(result.accepted, JSON.stringify(result));
  return result.proposal.id;
}

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
    const id = await submit(f);
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
    const id = await submit(f);
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

Deno.test("inbox #16: hostile rationale (HTML, script tags, ANSI, bidi) renders inert", () =>
  withInbox(async (f) => {
    const hostile =
      `<script>alert(1)</script><img src=x onerror=alert(2)>\u202eevil\u2066 \x1b[2J\n` +
      HOSTILE_RATIONALE.slice(0, 2000);
    const id = await submit(f, hostile);
    const b = await signInBrowser(f, f.aliceToken);
    const res = await b.get(`/inbox/proposals/${id}`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-security-policy") ?? "", /script-src 'self'/);
    const page = await res.text();
    assert.doesNotMatch(page, /<script>alert|<img src=x|onerror=alert\(2\)>/);
    assert.match(page, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
    // Escape, bidi and other controls are visible symbols, never the characters themselves.
    // deno-lint-ignore no-control-regex
    assert.doesNotMatch(page, /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/);
    assert.match(page, /&lt;U\+202E&gt;evil&lt;U\+2066&gt;/);
    assert.match(page, /\u241b\[2J/);
    // The only script on the page is the gateway's own file.
    assert.deepEqual([...page.matchAll(/<script[^>]*>/g)].map((m) => m[0]), [
      '<script src="/inbox/inbox.js" defer>',
    ]);
  }));

Deno.test("inbox #16: approve from the inbox commits as the reviewer and shows the new revision and commit", () =>
  withInbox(async (f) => {
    const id = await submit(f);
    const b = await signInBrowser(f, f.aliceToken);
    const page = await (await b.get(`/inbox/proposals/${id}`)).text();
    assert.match(
      page,
      /api\.github\.com:443 \[L7 rest, allow PUT \/repos\/o\/r\/contents\/x\.md\]/,
    );
    assert.match(page, /<span class="add">\+/);
    const res = await b.post(`/inbox/proposals/${id}/approve`, {
      csrf: b.csrf,
      approved_by: "mallory",
    });
    assert.equal(res.status, 303);
    assert.equal(res.headers.get("location"), `/inbox/proposals/${id}`);
    const log = await f.repo.git("log", "-1", "--format=%H%n%B");
    assert.match(log, /Approved-By: alice/);
    assert.match(log, new RegExp(`Proposal-Id: ${id}`));
    const after = await (await b.get(`/inbox/proposals/${id}`)).text();
    assert.match(after, /<dd id="revision">4<\/dd>/);
    assert.match(after, new RegExp(`<code id="commit">${log.split("\n")[0]}</code>`));
    const approved = f.events.find((e) => e.message?.includes(`proposal ${id} approved by alice`));
    assert.ok(approved, "a CONFIG APPROVED event names the reviewer");
    const history = await (await b.get("/inbox/history")).text();
    assert.match(history, new RegExp(`data-id="${id}"[^]*approved[^]*alice[^]*<td>4</td>`));
    const again = await b.post(`/inbox/proposals/${id}/approve`, { csrf: b.csrf });
    assert.equal(again.status, 409);
    assert.match(await again.text(), /already approved/);
  }));

Deno.test("inbox #16: reject with reason and guidance reaches the agent-facing status", () =>
  withInbox(async (f) => {
    const id = await submit(f);
    const b = await signInBrowser(f, f.aliceToken);
    const res = await b.post(`/inbox/proposals/${id}/reject`, {
      csrf: b.csrf,
      reason: "Only notes/, please",
      guidance: "too_broad",
    });
    assert.equal(res.status, 303);
    await res.body?.cancel();
    const status = await f.store.status(id);
    assert.equal(status?.status, "rejected");
    assert.equal(status?.rejectionReason, "Only notes/, please");
    assert.equal(status?.guidance, "too_broad");
    const event = f.events.find((e) => e.message?.includes(`proposal ${id} rejected by alice`));
    assert.ok(event);
    const bad = await b.post(`/inbox/proposals/${await submit(f, "y", "y.md")}/reject`, {
      csrf: b.csrf,
      reason: "x",
      guidance: "be_nicer",
    });
    assert.equal(bad.status, 400);
    await bad.body?.cancel();
  }));

Deno.test("inbox #16: the pending list is newest first and the fragment needs a session", () =>
  withInbox(async (f) => {
    const first = await submit(f, "a", "a.md");
    const second = await submit(f, "b", "b.md");
    const b = await signInBrowser(f, f.aliceToken);
    const list = await (await b.get("/inbox/fragments/pending")).text();
    assert.ok(list.indexOf(second) < list.indexOf(first), "newest first");
    const anonymous = await f.request("/inbox/fragments/pending");
    assert.equal(anonymous.status, 401);
    await anonymous.body?.cancel();
    const events = await f.request("/inbox/events");
    assert.equal(events.status, 401);
    await events.body?.cancel();
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

Deno.test("inbox #16: GET /v1/proposals/:id/review gives a reviewer what the page shows; a proxy gets 403", () =>
  withInbox(async (f) => {
    const id = await submit(f);
    const as = (token: string) =>
      f.request(`/v1/proposals/${id}/review`, { headers: { authorization: `Bearer ${token}` } });
    const proxy = await as(f.proxyToken);
    assert.equal(proxy.status, 403);
    await proxy.body?.cancel();
    await f.store.approve(id, { approvedBy: "alice" });
    const res = await as(f.aliceToken);
    assert.equal(res.status, 200);
    const body = await res.json();
    assert.deepEqual(body.endpoints, [
      "api.github.com:443 [L7 rest, allow PUT /repos/o/r/contents/x.md]",
    ]);
    assert.match(body.diff, /^\+ +- allow:/m);
    assert.deepEqual(body.denials, []);
    assert.equal(body.commit, (await f.repo.git("rev-parse", "HEAD")).trim());
    assert.equal(body.decision.by, "alice");
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

Deno.test("inbox #16: deciding an unknown proposal answers 404", () =>
  withInbox(async (f) => {
    const b = await signInBrowser(f, f.aliceToken);
    for (const action of ["approve", "reject"]) {
      const res = await b.post(`/inbox/proposals/p-20260101T000000-zzzzzz/${action}`, {
        csrf: b.csrf,
        reason: "x",
      });
      assert.equal(res.status, 404, action);
      await res.body?.cancel();
    }
  }));
