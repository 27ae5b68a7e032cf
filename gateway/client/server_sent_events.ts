/**
 * A minimal reader of a `text/event-stream` body: events separated by a blank line, fields
 * `event:`, `data:` (joined with newlines) and `id:`; comment lines (`: ping`) are skipped.
 *
 * @module
 */

/** One event of the stream. */
export interface ServerSentEvent {
  /** Event name (`message` when none was sent). */
  event: string;
  /** Data lines joined with newlines. */
  data: string;
  /** Event id, when sent. */
  id?: string;
}

/**
 * Read events from a stream body until it ends or `signal` aborts.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readServerSentEvents } from "./server_sent_events.ts";
 * const body = new Response("event: a\ndata: 1\n\n").body!;
 * for await (const e of readServerSentEvents(body, new AbortController().signal)) {
 *   assert(e.event === "a" && e.data === "1");
 * }
 * ```
 */
export async function* readServerSentEvents(
  body: ReadableStream<Uint8Array>,
  signal: AbortSignal,
): AsyncGenerator<ServerSentEvent> {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  const cancel = () => void reader.cancel().catch(() => {});
  signal.addEventListener("abort", cancel, { once: true });
  let buffer = "";
  try {
    while (!signal.aborted) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value.replace(/\r\n?/g, "\n");
      let cut = buffer.indexOf("\n\n");
      while (cut >= 0) {
        const event = parseBlock(buffer.slice(0, cut));
        buffer = buffer.slice(cut + 2);
        if (event) yield event;
        cut = buffer.indexOf("\n\n");
      }
    }
  } finally {
    signal.removeEventListener("abort", cancel);
    await reader.cancel().catch(() => {});
  }
}

function parseBlock(block: string): ServerSentEvent | undefined {
  let event = "message";
  const data: string[] = [];
  let id: string | undefined;
  for (const line of block.split("\n")) {
    if (line === "" || line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "event") event = value;
    else if (field === "data") data.push(value);
    else if (field === "id") id = value;
  }
  if (data.length === 0 && event === "message") return undefined;
  return id === undefined ? { event, data: data.join("\n") } : { event, data: data.join("\n"), id };
}
