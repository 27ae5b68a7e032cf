/**
 * The in-namespace half of the sandbox bridge, run as its own Deno process inside the
 * sandbox's network namespace with narrow permissions:
 *
 *     deno run --allow-net=127.0.0.1:PORT,unix:SOCK --allow-read=SOCK --allow-write=SOCK \
 *       netns_forwarder.ts PORT SOCK
 *
 * It reads the bridge secret from the first line of standard input (never argv or the
 * environment, which other processes of the same user can read), listens on
 * `127.0.0.1:PORT`, prints `ready <pid>` on standard output, and for each TCP client opens
 * the Unix socket, sends the preamble (secret + the client's source port), then copies bytes
 * both ways. It exits when its standard input closes, so it never outlives the runner.
 *
 * @module
 */

import { encodePreamble, isBridgeSecret } from "./_preamble.ts";

const COPY_BUFFER = 64 * 1024;

if (import.meta.main) {
  const [portText, socketPath] = Deno.args;
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 1 || port > 65535 || socketPath === undefined) {
    fail("usage: netns_forwarder.ts PORT SOCKET");
  }
  const stdin = Deno.stdin.readable.getReader();
  const secret = await readLine(stdin);
  if (secret === undefined || !isBridgeSecret(secret)) fail("expected the bridge secret on stdin");
  const listener = Deno.listen({ hostname: "127.0.0.1", port });
  await writeAll(Deno.stdout, new TextEncoder().encode(`ready ${Deno.pid}\n`));
  // The runner holds our stdin open for as long as the sandbox lives.
  void drain(stdin).finally(() => Deno.exit(0));
  for await (const client of listener) void bridge(client, socketPath!, secret!);
}

async function bridge(client: Deno.TcpConn, socketPath: string, secret: string): Promise<void> {
  let upstream: Deno.UnixConn | undefined;
  try {
    client.setNoDelay(true);
    upstream = await Deno.connect({ transport: "unix", path: socketPath });
    await writeAll(upstream, encodePreamble(secret, client.remoteAddr.port));
    await Promise.all([copy(client, upstream), copy(upstream, client)]);
  } catch {
    // A reset on either side ends both; there is nobody to report to inside the sandbox.
  } finally {
    closeQuietly(client);
    if (upstream !== undefined) closeQuietly(upstream);
  }
}

async function copy(from: Deno.Conn, to: Deno.Conn): Promise<void> {
  const buffer = new Uint8Array(COPY_BUFFER);
  while (true) {
    const n = await from.read(buffer);
    if (n === null) break;
    await writeAll(to, buffer.subarray(0, n));
  }
  // Pass the half-close on: HTTP clients may send a request and then shut down writing.
  await to.closeWrite().catch(() => {});
}

async function writeAll(
  to: { write(p: Uint8Array): Promise<number> },
  bytes: Uint8Array,
): Promise<void> {
  for (let offset = 0; offset < bytes.length;) offset += await to.write(bytes.subarray(offset));
}

async function readLine(
  reader: ReadableStreamDefaultReader<Uint8Array>,
): Promise<string | undefined> {
  let text = "";
  const decoder = new TextDecoder();
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) return undefined;
    text += decoder.decode(value, { stream: true });
  }
  return text.slice(0, text.indexOf("\n"));
}

async function drain(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
  try {
    while (!(await reader.read()).done) { /* keep reading until the runner goes away */ }
  } catch {
    // A broken pipe means the same as end of input.
  }
}

function closeQuietly(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch {
    // Already closed.
  }
}

function fail(message: string): never {
  Deno.stderr.writeSync(new TextEncoder().encode(`tollgate forwarder: ${message}\n`));
  Deno.exit(2);
}
