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
 * both ways.
 *
 * Standard input is also the runner's lifeline. The runner writes `watch PID` for the
 * command's wrapper process and `stop` before a normal shutdown. When the input ends without
 * `stop` (the runner was killed), the forwarder kills the watched wrappers — which takes the
 * command's whole PID namespace with them — and exits, so nothing outlives the runner.
 *
 * @module
 */

import { encodePreamble, isBridgeSecret } from "./_preamble.ts";

const COPY_BUFFER = 64 * 1024;
/** How long a client may take to close after the proxy has closed its side. */
const LINGER_MS = 5_000;

/** Text after the secret on standard input: the watched pids, and whether `stop` came. */
interface Lifeline {
  watched: number[];
  stopped: boolean;
}

if (import.meta.main) {
  const [portText, socketPath] = Deno.args;
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 1 || port > 65535 || socketPath === undefined) {
    fail("usage: netns_forwarder.ts PORT SOCKET");
  }
  const stdin = lines(Deno.stdin.readable);
  const secret = (await stdin.next()).value;
  if (typeof secret !== "string" || !isBridgeSecret(secret)) {
    fail("expected the bridge secret on stdin");
  }
  const listener = Deno.listen({ hostname: "127.0.0.1", port });
  await writeAll(Deno.stdout, new TextEncoder().encode(`ready ${Deno.pid}\n`));
  void followLifeline(stdin).then(async ({ watched, stopped }) => {
    if (!stopped) await killAll(watched);
    Deno.exit(0);
  });
  for await (const client of listener) void bridge(client, socketPath!, secret!);
}

async function bridge(client: Deno.TcpConn, socketPath: string, secret: string): Promise<void> {
  let upstream: Deno.UnixConn | undefined;
  try {
    client.setNoDelay(true);
    upstream = await Deno.connect({ transport: "unix", path: socketPath });
    await writeAll(upstream, encodePreamble(secret, client.remoteAddr.port));
    const request = pump(client, upstream);
    // The proxy's answer first: it often closes right after a deny, before reading the rest of
    // the request, and closing the client's socket with unread data would send a reset that
    // makes the client drop the answer. So the client gets a FIN and time to finish.
    await pump(upstream, client);
    await withinLinger(request);
  } catch {
    // The proxy went away before the preamble: nothing to forward.
  } finally {
    closeQuietly(client);
    if (upstream !== undefined) closeQuietly(upstream);
  }
}

/**
 * Copy `from` to `to` until `from` ends, then pass the half-close on. A failed write (the
 * other side is gone) does not stop the reading: what `from` still sends is read and dropped,
 * so `from` is never reset with unread data. Never rejects.
 */
async function pump(from: Deno.Conn, to: Deno.Conn): Promise<void> {
  const buffer = new Uint8Array(COPY_BUFFER);
  let writable = true;
  try {
    for (let n = await from.read(buffer); n !== null; n = await from.read(buffer)) {
      if (writable) {
        writable = await writeAll(to, buffer.subarray(0, n)).then(() => true, () => false);
      }
    }
  } catch {
    // A reset ends this direction.
  }
  await to.closeWrite().catch(() => {});
}

async function withinLinger(work: Promise<void>): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<void>((resolve) => timer = setTimeout(resolve, LINGER_MS));
  await Promise.race([work, limit]);
  clearTimeout(timer);
}

async function writeAll(
  to: { write(p: Uint8Array): Promise<number> },
  bytes: Uint8Array,
): Promise<void> {
  for (let offset = 0; offset < bytes.length;) offset += await to.write(bytes.subarray(offset));
}

async function* lines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  let rest = "";
  try {
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      rest += chunk;
      for (let end = rest.indexOf("\n"); end >= 0; end = rest.indexOf("\n")) {
        yield rest.slice(0, end);
        rest = rest.slice(end + 1);
      }
    }
  } catch {
    // A broken pipe means the same as end of input.
  }
}

async function followLifeline(input: AsyncGenerator<string>): Promise<Lifeline> {
  const lifeline: Lifeline = { watched: [], stopped: false };
  for await (const line of input) {
    const watch = /^watch (\d+)$/.exec(line);
    if (watch !== null) lifeline.watched.push(Number(watch[1]));
    if (line === "stop") lifeline.stopped = true;
  }
  return lifeline;
}

async function killAll(pids: number[]): Promise<void> {
  if (pids.length === 0) return;
  // `kill` rather than Deno.kill(): that would need --allow-run for every program.
  const args = ["-KILL", ...pids.map(String)];
  await new Deno.Command("kill", { args, stdout: "null", stderr: "null" }).output().catch(() => {});
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
