import assert from "node:assert/strict";
import { BASE, json, post, proposal, PUT_RULE, withApp } from "./_test_fakes.ts";

// What a browser sends for a page's cross-site request (a form, a no-cors fetch, a beacon).
const PAGE_HEADERS: Record<string, string>[] = [
  { origin: "http://page.test", "sec-fetch-site": "cross-site" },
  { origin: "http://page.test" },
  { "sec-fetch-site": "cross-site" },
  { "sec-fetch-site": "same-site" },
  { origin: "null" },
];

// What programs send: none of those headers (curl, Python, Deno), Node's `sec-fetch-mode`.
const PROGRAM_HEADERS: Record<string, string>[] = [
  {},
  { "sec-fetch-mode": "cors" },
  { "sec-fetch-site": "none" },
  { origin: "http://policy.local", "sec-fetch-site": "same-origin" },
];

Deno.test("createPolicyLocalApp() refuses a web page's request (403) and proposes nothing", async () => {
  await withApp(async ({ app, sink }) => {
    for (const headers of PAGE_HEADERS) {
      const res = await post(app, proposal({ ...PUT_RULE }), {
        headers: { "content-type": "text/plain", ...headers },
      });
      assert.equal(res.status, 403, JSON.stringify(headers));
      assert.equal((await json(res)).error, "cross_site_request");
      const read = await app.request(`${BASE}/v1/policy/current`, { headers });
      assert.equal(read.status, 403, JSON.stringify(headers));
      await read.body?.cancel();
    }
    assert.equal(sink.submitted.length, 0);
  });
});

Deno.test("createPolicyLocalApp() answers programs, Node's fetch included", async () => {
  await withApp(async ({ app, sink }) => {
    for (const headers of PROGRAM_HEADERS) {
      const res = await post(app, proposal({ ...PUT_RULE }), {
        headers: { "content-type": "application/json", ...headers },
      });
      assert.equal(res.status, 202, JSON.stringify(headers));
      await res.body?.cancel();
    }
    assert.equal(sink.submitted.length, PROGRAM_HEADERS.length);
  });
});
