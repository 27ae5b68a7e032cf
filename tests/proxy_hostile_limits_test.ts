/**
 * The hostile corpus's slow and greedy clients, over raw sockets: slow heads and bodies that
 * stop halfway time out, a policy.local body has a deadline, connections beyond the limit are
 * refused. None of it may reach upstream.
 */
import assert from "node:assert/strict";
import { exchangeOn, rawRequest, startTestProxy, startTestUpstreams } from "./support/mod.ts";
import { get, H, identity, POLICY, url, withProxy } from "./proxy_hostile_fixtures.ts";

Deno.test("proxy hostile corpus: slow heads time out with 408", async () => {
  await withProxy(async (proxy, upstreams) => {
    const response = await rawRequest(proxy.port, [`GET ${url("/public/x")} HTTP/1.1\r\n`]);
    assert.equal(response.status, 408);
    assert.equal(JSON.parse(response.body).error, "request_timeout");
    assert.equal(upstreams.connections(), 0);
  }, { headTimeoutMs: 400 });
});

Deno.test("proxy hostile corpus: bodies that stop halfway time out with 408", async () => {
  await withProxy(
    async (proxy, upstreams) => {
      const post = `POST ${url("/public/x")} HTTP/1.1\r\n${H}`;
      const chunked = await rawRequest(proxy.port, [
        `${post}Transfer-Encoding: chunked\r\n\r\n5\r\nab`,
      ]);
      assert.equal(chunked.status, 408);
      assert.equal(JSON.parse(chunked.body).error, "request_timeout");
      // A chunked body is checked whole before anything goes upstream.
      assert.equal(upstreams.connections(), 0);
      const sized = await rawRequest(proxy.port, [`${post}Content-Length: 10\r\n\r\nabc`]);
      assert.equal(sized.status, 408);
      assert.equal(JSON.parse(sized.body).error, "request_timeout");
      assert.equal(upstreams.requests.length, 0, "no complete request reached upstream");
    },
    { idleTimeoutMs: 400 },
  );
});

Deno.test("proxy hostile corpus: a policy.local body must arrive whole within its deadline", async () => {
  const upstreams = await startTestUpstreams();
  const seen: string[] = [];
  const proxy = await startTestProxy({
    policy: POLICY,
    upstreams,
    identity,
    policyLocalBodyTimeoutMs: 300,
    policyLocal: async (request) => {
      seen.push(await request.text());
      return Response.json({ ok: true });
    },
  });
  try {
    // One byte every 100 ms: never idle for long, but never done within 300 ms either.
    const head = "POST http://policy.local/v1/proposals HTTP/1.1\r\nHost: policy.local\r\n" +
      "Content-Length: 10\r\n\r\n";
    const trickle = await rawRequest(proxy.port, [head, ..."abcdefghij"], { pauseMs: 100 });
    assert.equal(trickle.status, 408);
    assert.equal(JSON.parse(trickle.body).error, "request_timeout");
    const whole = await rawRequest(proxy.port, [`${head}abcdefghij`]);
    assert.equal(whole.status, 200);
    assert.deepEqual(seen, ["abcdefghij"]);
  } finally {
    await proxy.close();
    await upstreams.close();
  }
});

Deno.test("proxy hostile corpus: connections beyond the limit are answered 503 and closed", async () => {
  await withProxy(async (proxy, upstreams) => {
    const held = await Promise.all(
      [0, 1].map(() => Deno.connect({ hostname: "127.0.0.1", port: proxy.port })),
    );
    try {
      const refused = await rawRequest(proxy.port, get(url("/public/x")));
      assert.equal(refused.status, 503);
      assert.equal(JSON.parse(refused.body).error, "too_many_connections");
      assert.match(refused.head, /\r\nConnection: close/i);
      assert.equal(upstreams.requests.length, 0);
      // A held connection is still served.
      const served = await exchangeOn(held[0]!, get(url("/public/x")));
      assert.equal(served.status, 200);
      // exchangeOn closed it: once the proxy has seen that, a new client is admitted.
      let again = await rawRequest(proxy.port, get(url("/public/x")));
      for (let i = 0; i < 50 && again.status === 503; i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        again = await rawRequest(proxy.port, get(url("/public/x")));
      }
      assert.equal(again.status, 200);
    } finally {
      for (const conn of held.slice(1)) conn.close();
    }
  }, { maxConnections: 2 });
});
