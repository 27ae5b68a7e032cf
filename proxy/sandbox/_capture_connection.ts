/**
 * Transparent mode, in the forwarder: a connection the sandbox opened to a synthetic address
 * (a name it looked up, see `NamePool`) becomes a `CONNECT name:port` to the proxy, on behalf
 * of the client and with the client's identity, so it is decided and enforced exactly as a
 * proxied one: TLS is intercepted for L7 endpoints, L4 grants get a blind tunnel, and a
 * denial's structured 403 reaches a plain-HTTP client as the answer to its own request.
 *
 * @module
 */

import { answerUnreachable, bridgeProblem, openBridgeSocket } from "./_bridge_unreachable.ts";
import type { NamePool } from "./_name_pool.ts";
import { encodePreamble } from "./_preamble.ts";
import { closeQuietly, pump, withinLinger, writeAll } from "./_pump.ts";

const HEAD_LIMIT = 64 * 1024;
/** How long a client's first bytes may take to arrive when the proxy refused its CONNECT. */
const FIRST_BYTES_MS = 2_000;
const TLS_HANDSHAKE = 0x16;

/** Where captured connections go, and how the proxy knows them to be the forwarder's. */
export interface CaptureTarget {
  socketPath: string;
  secret: string;
  pool: NamePool;
  /** Told (one line, what to do) when the bridge socket cannot be opened. */
  onUnreachable?: (problem: string) => void;
}

/**
 * Carry one captured connection to the proxy; never rejects. A connection to an address the
 * pool never gave out, or one whose source is not the address it dialled (the kernel's own
 * choice for a local address; a client that chose another could pose as someone else's
 * socket), is closed unanswered.
 */
export async function captureConnection(
  client: Deno.TcpConn,
  target: CaptureTarget,
): Promise<void> {
  const local = client.localAddr;
  const remote = client.remoteAddr;
  const name = target.pool.nameOf(local.hostname);
  if (name === undefined || remote.hostname !== local.hostname) return closeQuietly(client);
  let upstream: Deno.UnixConn;
  try {
    upstream = await openBridgeSocket(target.socketPath);
  } catch (error) {
    // Said, and answered where the client speaks plain HTTP (see `answerUnreachable()`).
    const problem = bridgeProblem(target.socketPath, error);
    target.onUnreachable?.(problem);
    return await answerUnreachable(client, problem);
  }
  try {
    client.setNoDelay(true);
    const peer = {
      clientAddress: remote.hostname,
      clientPort: remote.port,
      serverAddress: local.hostname,
      serverPort: local.port,
    };
    const authority = `${name}:${local.port}`;
    const connect = `CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n\r\n`;
    await writeAll(upstream, encodePreamble(target.secret, peer));
    await writeAll(upstream, new TextEncoder().encode(connect));
    // The client's first bytes are read meanwhile: they decide what a refusal looks like.
    const first = readOnce(client);
    const answer = await readHead(upstream);
    if (answer?.status === 200) await splice(client, upstream, answer.rest, first);
    else if (answer !== undefined) await refuse(client, upstream, answer, first);
  } catch {
    // The proxy went away: nothing to forward.
  } finally {
    closeQuietly(client);
    closeQuietly(upstream);
  }
}

interface Head {
  status: number;
  /** The head and whatever followed it in the same reads. */
  bytes: Uint8Array;
  /** What followed the head. */
  rest: Uint8Array;
}

async function splice(
  client: Deno.Conn,
  upstream: Deno.Conn,
  rest: Uint8Array,
  first: Promise<Uint8Array | null>,
): Promise<void> {
  const request = (async () => {
    const bytes = await first;
    if (bytes === null) return void await upstream.closeWrite().catch(() => {});
    await writeAll(upstream, bytes);
    await pump(client, upstream);
  })().catch(() => {});
  if (rest.length > 0) await writeAll(client, rest);
  // The proxy's answer first, as for proxied clients (see netns_forwarder.ts).
  await pump(upstream, client);
  await withinLinger(request);
}

/**
 * The proxy refused the CONNECT (an L4 denial, an SSRF refusal): a client speaking plain
 * HTTP gets that answer, which is an HTTP response to its request; a TLS client cannot read
 * it, and is closed.
 */
async function refuse(
  client: Deno.Conn,
  upstream: Deno.Conn,
  answer: Head,
  first: Promise<Uint8Array | null>,
): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<null>((resolve) =>
    timer = setTimeout(() => resolve(null), FIRST_BYTES_MS)
  );
  const bytes = await Promise.race([first, late]);
  clearTimeout(timer);
  if (bytes === null || bytes[0] === TLS_HANDSHAKE) return;
  await writeAll(client, answer.bytes);
  await pump(upstream, client);
}

async function readOnce(conn: Deno.Conn): Promise<Uint8Array | null> {
  const buffer = new Uint8Array(16 * 1024);
  try {
    const n = await conn.read(buffer);
    return n === null ? null : buffer.subarray(0, n);
  } catch {
    return null;
  }
}

/** The proxy's answer head (status line to the blank line); undefined when it never came. */
async function readHead(conn: Deno.Conn): Promise<Head | undefined> {
  let bytes = new Uint8Array(0);
  const buffer = new Uint8Array(16 * 1024);
  while (bytes.length < HEAD_LIMIT) {
    const n = await conn.read(buffer);
    if (n === null) return undefined;
    const joined = new Uint8Array(bytes.length + n);
    joined.set(bytes);
    joined.set(buffer.subarray(0, n), bytes.length);
    bytes = joined;
    const end = indexOfBlankLine(bytes);
    if (end < 0) continue;
    const line = new TextDecoder().decode(bytes.subarray(0, bytes.indexOf(13)));
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(line)?.[1] ?? 0);
    return { status, bytes, rest: bytes.subarray(end + 4) };
  }
  return undefined;
}

function indexOfBlankLine(bytes: Uint8Array): number {
  for (let i = 0; i + 3 < bytes.length; i++) {
    if (bytes[i] === 13 && bytes[i + 1] === 10 && bytes[i + 2] === 13 && bytes[i + 3] === 10) {
      return i;
    }
  }
  return -1;
}
