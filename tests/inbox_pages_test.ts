/**
 * The web inbox (#16) through Hono's `app.request()`: inert rendering of hostile text,
 * decisions identical to the CLI's, the pending list, the review data, unknown proposals.
 */
import assert from "node:assert/strict";
import { HOSTILE_RATIONALE } from "./gateway_fixtures.ts";
import { approveFields, signInBrowser, withInbox } from "./inbox_fixtures.ts";
import { submitPut } from "./inbox_fixtures.ts";

Deno.test("inbox #16: hostile rationale (HTML, script tags, ANSI, bidi) renders inert", () =>
  withInbox(async (f) => {
    const hostile =
      `<script>alert(1)</script><img src=x onerror=alert(2)>\u202eevil\u2066 \x1b[2J\n` +
      HOSTILE_RATIONALE.slice(0, 2000);
    const id = await submitPut(f, hostile);
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
    const id = await submitPut(f);
    const b = await signInBrowser(f, f.aliceToken);
    const page = await (await b.get(`/inbox/proposals/${id}`)).text();
    assert.match(
      page,
      /api\.github\.com:443 \[L7 rest, allow PUT \/repos\/o\/r\/contents\/x\.md\]/,
    );
    assert.match(page, /<span class="add">\+/);
    const res = await b.post(`/inbox/proposals/${id}/approve`, {
      ...approveFields(page),
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
    const id = await submitPut(f);
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
    const bad = await b.post(`/inbox/proposals/${await submitPut(f, "y", "y.md")}/reject`, {
      csrf: b.csrf,
      reason: "x",
      guidance: "be_nicer",
    });
    assert.equal(bad.status, 400);
    await bad.body?.cancel();
  }));

Deno.test("inbox #16: the pending list is newest first and the fragment needs a session", () =>
  withInbox(async (f) => {
    const first = await submitPut(f, "a", "a.md");
    const second = await submitPut(f, "b", "b.md");
    const b = await signInBrowser(f, f.aliceToken);
    const list = await (await b.get("/inbox/fragments/pending")).text();
    assert.ok(list.indexOf(second) < list.indexOf(first), "newest first");
    const anonymous = await f.request("/inbox/fragments/pending");
    assert.equal(anonymous.status, 401);
    await anonymous.body?.cancel();
    // `curl …/inbox` (no text/html) said only "Sign in first": now where and with what.
    const curl = await f.request("/inbox");
    assert.equal(
      await curl.text(),
      "Sign in first: open /inbox/sign-in in a browser with a reviewer token " +
        '("tollgate reviewers add NAME" prints one)\n',
    );
    const events = await f.request("/inbox/events");
    assert.equal(events.status, 401);
    await events.body?.cancel();
  }));

Deno.test("inbox #16: GET /v1/proposals/:id/review gives a reviewer what the page shows; a proxy gets 403", () =>
  withInbox(async (f) => {
    const id = await submitPut(f);
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
