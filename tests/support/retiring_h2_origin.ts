/**
 * A real Node.js HTTP/2 origin (a `node` process, as the servers behind an agent's APIs are)
 * that stops taking streams the ways real servers do, and counts what it acted on:
 *
 * - `goaway`: each session takes `limit` streams, then sends GOAWAY naming the last one it
 *   took (nginx's `keepalive_requests`, Go's and Node's graceful close); it never acts on a
 *   stream above that id (cancels those it already opened) and closes the session gracefully.
 * - `refuse`: the first stream of each `METHOD path` is reset with REFUSED_STREAM (a server at
 *   its stream limit); the next one is acted on.
 * - `drop`: acts on each stream (reads its body), then ends the connection without answering
 *   (a crash after the work was done): the request may not be sent again.
 *
 * Every stream acted on is answered `acted METHOD PATH BODY`; `counts()` reads the origin's
 * tally by `METHOD path`.
 *
 * @module
 */

import { join } from "node:path";
import type { TestUpstreams } from "./test_upstreams.ts";

/** How the origin stops taking streams (see the module doc). */
export type RetiringMode = "goaway" | "refuse" | "drop";

/** A running retiring origin. */
export interface RetiringOrigin {
  /** Its port on 127.0.0.1. */
  port: number;
  /** How many times it acted on each `METHOD path`, and the sessions it had. */
  counts(): Promise<{ acted: Record<string, number>; sessions: number; ignored: number }>;
  /** Stop the process and remove its files. */
  close(): Promise<void>;
}

const SCRIPT = `
const http2 = require("node:http2"), fs = require("node:fs"), readline = require("node:readline");
const [cert, key, mode, limitText] = process.argv.slice(1);
const limit = Number(limitText);
const acted = {}, seen = new Set();
let sessions = 0, ignored = 0;
const { NGHTTP2_NO_ERROR, NGHTTP2_CANCEL, NGHTTP2_REFUSED_STREAM } = http2.constants;
const server = http2.createSecureServer({ cert: fs.readFileSync(cert), key: fs.readFileSync(key) });
server.on("session", (session) => {
  sessions++;
  session.on("error", () => {});
  session.taken = 0;
});
function act(stream, headers, then) {
  const name = headers[":method"] + " " + headers[":path"];
  const chunks = [];
  stream.on("data", (c) => chunks.push(c));
  stream.on("end", () => {
    acted[name] = (acted[name] || 0) + 1;
    then(name + " " + Buffer.concat(chunks).toString("latin1"));
  });
}
server.on("stream", (stream, headers) => {
  stream.on("error", () => {});
  const session = stream.session;
  const name = headers[":method"] + " " + headers[":path"];
  if (mode === "refuse" && !seen.has(name)) {
    seen.add(name);
    return stream.close(NGHTTP2_REFUSED_STREAM);
  }
  if (mode === "goaway" && session.last !== undefined && stream.id > session.last) {
    ignored++;
    // Never acted on. nghttp2 already opened it (it came with the taken ones): cancelled, so
    // that the session's graceful close does not wait for it.
    return stream.close(NGHTTP2_CANCEL);
  }
  if (mode === "goaway" && ++session.taken === limit) {
    session.last = stream.id;
    session.goaway(NGHTTP2_NO_ERROR, stream.id);
    session.close();
  }
  act(stream, headers, (text) => {
    if (mode === "drop") return session.destroy();
    stream.respond({ ":status": 200 });
    stream.end("acted " + text);
  });
});
server.listen(0, "127.0.0.1", () => console.log(server.address().port));
readline.createInterface({ input: process.stdin }).on("line", () =>
  console.log(JSON.stringify({ acted, sessions, ignored })));
`;

/**
 * Start a retiring origin for `hosts` (certificate from the test upstreams' CA).
 *
 * @param limit Streams a session takes before its GOAWAY (`goaway` mode).
 */
export async function startRetiringOrigin(
  upstreams: TestUpstreams,
  hosts: string[],
  mode: RetiringMode,
  limit = 3,
): Promise<RetiringOrigin> {
  const leaf = await upstreams.mintLeaf(hosts);
  const dir = await Deno.makeTempDir({ prefix: "tg-retiring-" });
  await Deno.writeTextFile(join(dir, "cert.pem"), leaf.chainPem);
  await Deno.writeTextFile(join(dir, "key.pem"), leaf.keyPem);
  const args = ["-e", SCRIPT, join(dir, "cert.pem"), join(dir, "key.pem"), mode, String(limit)];
  const child = new Deno.Command("/usr/bin/node", { args, stdin: "piped", stdout: "piped" })
    .spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const writer = child.stdin.getWriter();
  let buffered = "";
  const nextLine = async (): Promise<string> => {
    while (!buffered.includes("\n")) {
      const { value, done } = await lines.read();
      if (done) throw new Error("The retiring origin exited");
      buffered += value;
    }
    const at = buffered.indexOf("\n");
    const line = buffered.slice(0, at);
    buffered = buffered.slice(at + 1);
    return line;
  };
  const port = Number(await nextLine());
  return {
    port,
    async counts() {
      await writer.write(new TextEncoder().encode("counts\n"));
      return JSON.parse(await nextLine());
    },
    async close() {
      child.kill();
      await writer.close().catch(() => {});
      await lines.cancel();
      await child.status;
      await Deno.remove(dir, { recursive: true });
    },
  };
}
