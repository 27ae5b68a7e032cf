/**
 * A hostile agent's HTTP/2 request naming two authorities, `:authority` and a `host` field
 * that differ: RFC 9113 §8.3.1 makes it malformed, so the proxy refuses the stream (400)
 * before any decision, whether the origin speaks HTTP/1.1 or HTTP/2, and the session goes on.
 */
import assert from "node:assert/strict";
import {
  H2,
  type H2Frame,
  h2Headers,
  h2RequestFields,
  openH2Session,
  readH2Frames,
  withH2World,
} from "./support/mod.ts";

const POLICY = `version: 1
network_policies:
  gh:
    endpoints:
      - { host: api.github.com, port: 443, protocol: rest, access: read-only }
      - { host: h2.example.com, port: 443, protocol: rest, access: read-only }
`;

/** A GET of /a naming `authority` and then, as a regular field, `host`. */
function twoAuthorities(authority: string, host: string): [string, string][] {
  return [...h2RequestFields("GET", "/a", authority), ["host", host]];
}

/** Send `fields` on stream `id` of an open session; the text of its answer and its status. */
async function ask(tls: Deno.TlsConn, id: number, fields: [string, string][]) {
  await tls.write(h2Headers(id, fields));
  const ended = (f: H2Frame) =>
    f.stream === id && (f.type === H2.DATA || f.type === H2.HEADERS) &&
    (f.flags & H2.END_STREAM) !== 0;
  const frames = await readH2Frames(tls, ended);
  const data = frames.filter((f) => f.type === H2.DATA && f.stream === id);
  return {
    body: data.map((f) => new TextDecoder().decode(f.payload)).join(""),
    goaway: frames.some((f) => f.type === H2.GOAWAY),
  };
}

for (const origin of ["api.github.com", "h2.example.com"]) {
  const protocol = origin === "api.github.com" ? "HTTP/1.1" : "HTTP/2";
  Deno.test(`proxy hostile h2: a host field that differs from :authority is refused (400) on its stream, before any decision (${protocol} origin)`, async () => {
    await withH2World({ policy: POLICY, h2Host: "h2.example.com" }, async (world) => {
      const { proxy, upstreams, h2 } = world;
      const tls = await openH2Session(proxy, origin);
      try {
        const decisions = () => proxy.events.filter((e) => e.class_uid === 4002).length;
        const refused = await ask(tls, 1, twoAuthorities(origin, "internal.example"));
        assert.match(refused.body, /"error":"bad_request".*host field/);
        assert.equal(decisions(), 0);
        assert.equal(upstreams.requests.length + h2.requests.length, 0);
        // The same authority in other case, with its default port: one authority, served.
        const same = await ask(tls, 3, twoAuthorities(origin, `${origin.toUpperCase()}:443`));
        assert.equal(same.goaway, false);
        assert.match(same.body, /"method":"GET"/);
        assert.equal(decisions(), 1);
      } finally {
        tls.close();
      }
    });
  });
}
