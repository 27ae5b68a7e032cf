/**
 * What the forwarder says when it cannot open its bridge socket to the sandbox's proxy: one line
 * on its standard error that says what to do (the runner prints it), and, for a client that
 * speaks HTTP, a `502` it can read instead of a connection closed with nothing said.
 *
 * @module
 */

import { indexOfSequence } from "../bytes/mod.ts";
import { closeQuietly, withinLinger, writeAll } from "./_pump.ts";

/** How long a client's request head may take, from its first bytes, before the answer goes. */
const HEAD_WAIT_MS = 2_000;
/**
 * How long a client may take to send its first bytes. A loaded machine or a slow client can
 * take seconds; one that had sent nothing by the head's 2 s was closed unanswered, and its
 * request then met a closed socket (a reset, no 502). A client waiting for the server to speak
 * first (SSH, SMTP on a captured port) is closed after it.
 */
const FIRST_BYTES_WAIT_MS = 10_000;
const HEAD_LIMIT = 64 * 1024;
const TLS_HANDSHAKE = 0x16;
const HEAD_END = new TextEncoder().encode("\r\n\r\n");

/** How long a connection may wait for room in the bridge's queue of unaccepted connections. */
const QUEUE_WAIT_MS = 3_000;

/**
 * Open the bridge socket at `path`. A full queue of connections the runner has not accepted yet
 * (its event loop stalled: a busy machine, a long collection) fails a Unix socket's connect at
 * once with `EAGAIN`, where TCP would wait: that is tried again, after 5 ms doubling to 200 ms,
 * for up to 3 s, instead of failing the client's connection (before, an empty reply: 15 of 20
 * connections made while the runner's loop was held for 3 s with a queue of 2).
 *
 * @throws {Error} Deno's error of the last try: the path refused, the socket gone, still full.
 */
export async function openBridgeSocket(path: string): Promise<Deno.UnixConn> {
  const deadline = Date.now() + QUEUE_WAIT_MS;
  for (let pause = 5;; pause = Math.min(pause * 2, 200)) {
    try {
      return await Deno.connect({ transport: "unix", path });
    } catch (error) {
      if (!(error instanceof Deno.errors.WouldBlock) || Date.now() + pause > deadline) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, pause));
  }
}

/**
 * The one line (without the `tollgate forwarder: ` prefix) for a failed open of the bridge
 * socket at `path`: the cause in Deno's words, then what to do about it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bridgeProblem } from "./_bridge_unreachable.ts";
 *
 * const gone = new Deno.errors.NotFound("No such file or directory (os error 2)");
 * assert.match(bridgeProblem("/s/proxy.sock", gone), /^cannot open the bridge socket .*: No such/);
 * assert.match(bridgeProblem("/s/proxy.sock", gone), /start the sandbox again$/);
 * ```
 */
export function bridgeProblem(path: string, error: unknown): string {
  const cause = error instanceof Error ? error.message : String(error);
  const advice = error instanceof Deno.errors.NotCapable
    ? "pass --state DIR outside /dev, /proc and /sys"
    : "the sandbox's proxy is gone or overloaded: start the sandbox again";
  return `cannot open the bridge socket ${JSON.stringify(path)} to the sandbox's proxy: ` +
    `${cause.split("\n")[0]}; ${advice}`;
}

/**
 * Answer a client whose connection cannot reach the proxy: its request head is read (so that
 * closing does not reset it with unread bytes, which would make it drop the answer; its first
 * bytes may take 10 s, the rest 2 s more), then it
 * gets `502` with the reason in the reason phrase (what npm, Go, wget and Python print) and
 * the same line as a JSON `message` (what gh and curl's body show). A TLS client (transparent
 * mode, port 443) could not read it, and is closed. Never rejects.
 */
export async function answerUnreachable(client: Deno.Conn, problem: string): Promise<void> {
  try {
    const { head, pending } = await readHead(client);
    if (head !== null && head[0] !== TLS_HANDSHAKE) {
      await writeAll(client, new TextEncoder().encode(unreachableResponse(problem)));
      await client.closeWrite();
      await withinLinger(drain(client, pending));
    }
  } catch {
    // The client went away: nobody to tell.
  } finally {
    closeQuietly(client);
  }
}

/**
 * The `502` a client gets: `Connection: close`, a JSON body whose `message` is `problem`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { unreachableResponse } from "./_bridge_unreachable.ts";
 *
 * const text = unreachableResponse("cannot open the bridge socket; start the sandbox again");
 * assert.match(text, /^HTTP\/1\.1 502 Tollgate sandbox cannot reach its proxy, /);
 * assert.equal(JSON.parse(text.split("\r\n\r\n")[1]!).error, "proxy_unreachable");
 * ```
 */
export function unreachableResponse(problem: string): string {
  const body = JSON.stringify({
    error: "proxy_unreachable",
    message: `Tollgate forwarder ${problem}`,
  }) + "\n";
  return "HTTP/1.1 502 Tollgate sandbox cannot reach its proxy, see the sandbox's standard " +
    "error\r\nContent-Type: application/json\r\n" +
    `Content-Length: ${new TextEncoder().encode(body).length}\r\nConnection: close\r\n\r\n${body}`;
}

/**
 * The client's first bytes up to its blank line (64 KiB at most, 2 s from its first bytes, which
 * may take 10 s), null if it sent none, and the read still pending when the time ran out.
 */
async function readHead(
  client: Deno.Conn,
): Promise<{ head: Uint8Array | null; pending?: Promise<number | null> }> {
  const buffer = new Uint8Array(HEAD_LIMIT);
  let length = 0;
  let pending: Promise<number | null> | undefined;
  let deadline = Date.now() + FIRST_BYTES_WAIT_MS;
  while (length < HEAD_LIMIT) {
    pending ??= client.read(buffer.subarray(length));
    const n = await beforeDeadline(pending, deadline);
    if (n === "late") break;
    pending = undefined;
    if (n === null) break;
    if (length === 0) deadline = Date.now() + HEAD_WAIT_MS;
    length += n;
    if (buffer[0] === TLS_HANDSHAKE || indexOfSequence(buffer.subarray(0, length), HEAD_END) >= 0) {
      break;
    }
  }
  return { head: length === 0 ? null : buffer.subarray(0, length), pending };
}

/** `read`'s result, or `"late"` once `deadline` (a `Date.now()` time) has passed. */
async function beforeDeadline(
  read: Promise<number | null>,
  deadline: number,
): Promise<number | null | "late"> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<"late">((resolve) =>
    timer = setTimeout(() => resolve("late"), Math.max(0, deadline - Date.now()))
  );
  try {
    return await Promise.race([read, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Read and drop what the client still sends (the rest of a late head, a request body) until it
 * closes, the head's read still `pending` first (a second read beside it would race it).
 */
async function drain(client: Deno.Conn, pending?: Promise<number | null>): Promise<void> {
  const buffer = new Uint8Array(16 * 1024);
  try {
    if (pending !== undefined && await pending === null) return;
    while (await client.read(buffer) !== null) { /* dropped */ }
  } catch {
    // A reset ends it.
  }
}
