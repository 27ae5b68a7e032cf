import assert from "node:assert/strict";
import { readServerSentEvents, type ServerSentEvent } from "./server_sent_events.ts";

/** The events of a stream whose body arrives as exactly these chunks. */
async function eventsOf(chunks: string[]): Promise<ServerSentEvent[]> {
  const bytes = chunks.map((c) => new TextEncoder().encode(c));
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = bytes.shift();
      if (next) controller.enqueue(next);
      else controller.close();
    },
  });
  const out: ServerSentEvent[] = [];
  for await (const e of readServerSentEvents(body, new AbortController().signal)) out.push(e);
  return out;
}

Deno.test("readServerSentEvents() reads the same events however the body is chunked", async () => {
  const text = "event: a\ndata: 1\nid: 7\n\n: ping\n\nevent: b\ndata: x\ndata: y\n\n\ndata: z\n\n";
  const whole = await eventsOf([text]);
  assert.deepEqual(whole, [
    { event: "a", data: "1", id: "7" },
    { event: "b", data: "x\ny" },
    { event: "message", data: "z" },
  ]);
  assert.deepEqual(await eventsOf([...text]), whole);
  for (let cut = 1; cut < text.length; cut++) {
    assert.deepEqual(await eventsOf([text.slice(0, cut), text.slice(cut)]), whole, `cut ${cut}`);
  }
});

Deno.test("readServerSentEvents() keeps a CRLF split across two chunks one line break", async () => {
  const events = await eventsOf(["data: a\r", "\ndata: b\r\n\r\n"]);
  assert.deepEqual(events, [{ event: "message", data: "a\nb" }]);
});

Deno.test("readServerSentEvents() reads a 5 MB event sent in 64 KiB chunks whole", async () => {
  const data = JSON.stringify({ text: "x: 1\n".repeat(1_000_000) });
  const text = `event: policy.updated\ndata: ${data}\n\n`;
  const chunks = [];
  for (let at = 0; at < text.length; at += 65_536) chunks.push(text.slice(at, at + 65_536));
  assert.deepEqual(await eventsOf(chunks), [{ event: "policy.updated", data }]);
});
