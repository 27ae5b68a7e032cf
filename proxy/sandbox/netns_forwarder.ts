/**
 * The in-namespace half of the sandbox bridge, run as its own Deno process inside the
 * sandbox's network namespace with narrow permissions:
 *
 *     deno run --unstable-net --allow-net=127.0.0.1,0.0.0.0:80,0.0.0.0:443,unix:SOCK \
 *       --allow-read=SOCK --allow-write=SOCK netns_forwarder.ts PORT SOCK
 *
 * (`0.0.0.0` whole where the runner starts it before it knows the ports: `forwarderArgs()`.)
 *
 * It reads the bridge secret from the first line of standard input (never argv or the
 * environment, which other processes of the same user can read), opens the bridge socket
 * once, reads the capture ports from the second line (`80,443`, empty for none: the runner
 * knows them once its proxy has started, and starts this process before), listens on
 * `127.0.0.1:PORT` (the proxy as the sandbox sees it), prints `ready <pid>` on standard
 * output, and for each TCP client opens the Unix socket, sends the preamble (secret + both
 * ends of the client's connection), then copies bytes both ways.
 *
 * Transparent mode, for clients that ignore the proxy variables: it answers DNS on
 * `127.0.0.1:53` with a synthetic address per name (`NamePool`; the namespace routes the
 * whole pool to `lo`), and listens on `0.0.0.0:P` for each capture port P. A connection to a
 * synthetic address is sent to the proxy as `CONNECT name:P` (`captureConnection`).
 *
 * Standard input is also the runner's lifeline. The runner writes `watch PID` for the
 * command's wrapper process and `stop` before a normal shutdown. When the input ends without
 * `stop` (the runner was killed), the forwarder kills the watched wrappers — which takes the
 * command's whole PID namespace with them — and exits, so nothing outlives the runner.
 *
 * @module
 */

import { captureConnection, type CaptureTarget } from "./_capture_connection.ts";
import { answerDnsQuery } from "./_answer_dns_query.ts";
import { answerUnreachable, bridgeProblem, openBridgeSocket } from "./_bridge_unreachable.ts";
import { NamePool } from "./_name_pool.ts";
import { encodePreamble, isBridgeSecret } from "./_preamble.ts";
import { closeQuietly, pump, withinLinger, writeAll } from "./_pump.ts";

/** Where the sandbox's resolver finds the DNS answerer (also glibc's default without resolv.conf). */
const DNS = { hostname: "127.0.0.1", port: 53 };

/** The bridge socket could not be opened; the message says why and what to do. */
class Unreachable extends Error {}

/** When each problem was last written: at most one line each per 10 s, not one per request. */
const reported = new Map<string, number>();

/** Text after the secret on standard input: the watched pids, and whether `stop` came. */
interface Lifeline {
  watched: number[];
  stopped: boolean;
}

if (import.meta.main) {
  const [portText, socketPath] = Deno.args;
  const port = Number(portText);
  if (!validPort(port) || socketPath === undefined) fail("usage: netns_forwarder.ts PORT SOCKET");
  const stdin = lines(Deno.stdin);
  const secret = (await stdin.next()).value;
  if (typeof secret !== "string" || !isBridgeSecret(secret)) {
    fail("expected the bridge secret on stdin");
  }
  // Its bridge socket opened once before `ready`: one it cannot open (Deno refuses the path, the
  // proxy is gone) stops the start in one line the runner prints, rather than every request of
  // the command ending in an empty reply with nothing said. The bridge ignores an empty one.
  await openBridgeSocket(socketPath!).then(
    (probe) => probe.close(),
    (error) => fail(bridgeProblem(socketPath!, error)),
  );
  // The runner knows them once its proxy has started: this process starts meanwhile.
  const captureText = (await stdin.next()).value;
  const capturePorts = captureText ? captureText.split(",").map(Number) : [];
  if (typeof captureText !== "string" || !capturePorts.every(validPort)) {
    fail("expected the capture ports (PORT,... or an empty line) on stdin");
  }
  const listener = Deno.listen({ hostname: "127.0.0.1", port });
  const target: CaptureTarget = {
    socketPath: socketPath!,
    secret: secret!,
    pool: new NamePool(),
    onUnreachable: report,
  };
  if (capturePorts.length > 0) startTransparent(capturePorts, target);
  await writeAll(Deno.stdout, new TextEncoder().encode(`ready ${Deno.pid}\n`));
  void followLifeline(stdin).then(async ({ watched, stopped }) => {
    if (!stopped) await killAll(watched);
    Deno.exit(0);
  });
  for await (const client of listener) void bridge(client, socketPath!, secret!);
}

/** The DNS answerer and one listener per capture port. */
function startTransparent(ports: number[], target: CaptureTarget): void {
  // Deno's own UDP socket (--unstable-net): node:dgram cost some 12 ms of this process's start.
  // Bound before `ready`, so that no lookup meets a closed port.
  const dns = Deno.listenDatagram({ transport: "udp", ...DNS });
  void answerDns(dns, target);
  for (const port of ports) {
    const listener = Deno.listen({ hostname: "0.0.0.0", port });
    void (async () => {
      for await (const client of listener) void captureConnection(client, target);
    })();
  }
}

/** Answer each datagram in turn; one that cannot be answered or sent is dropped, as a lost one. */
async function answerDns(dns: Deno.DatagramConn, target: CaptureTarget): Promise<void> {
  for (;;) {
    let datagram: [Uint8Array, Deno.Addr];
    try {
      datagram = await dns.receive();
    } catch (error) {
      if (error instanceof Deno.errors.BadResource) return; // Closed: the forwarder is ending.
      continue;
    }
    const reply = answerDnsQuery(datagram[0], target.pool);
    if (reply !== undefined) await dns.send(reply, datagram[1]).catch(() => {});
  }
}

async function bridge(client: Deno.TcpConn, socketPath: string, secret: string): Promise<void> {
  let upstream: Deno.UnixConn | undefined;
  try {
    client.setNoDelay(true);
    upstream = await openBridge(socketPath);
    const peer = {
      clientAddress: client.remoteAddr.hostname,
      clientPort: client.remoteAddr.port,
      serverAddress: client.localAddr.hostname,
      serverPort: client.localAddr.port,
    };
    await writeAll(upstream, encodePreamble(secret, peer));
    const request = pump(client, upstream);
    // The proxy's answer first: it often closes right after a deny, before reading the rest of
    // the request, and closing the client's socket with unread data would send a reset that
    // makes the client drop the answer. So the client gets a FIN and time to finish.
    await pump(upstream, client);
    await withinLinger(request);
  } catch (error) {
    // The proxy went away before the preamble: nothing to forward, but a client to answer.
    if (error instanceof Unreachable) return await answerUnreachable(client, error.message);
  } finally {
    closeQuietly(client);
    if (upstream !== undefined) closeQuietly(upstream);
  }
}

/**
 * Open the bridge socket; a failure is said on standard error (the runner prints it) and
 * thrown as {@linkcode Unreachable}, whose message the client is then told: it would otherwise
 * read an empty reply and nothing else.
 */
async function openBridge(socketPath: string): Promise<Deno.UnixConn> {
  try {
    return await openBridgeSocket(socketPath);
  } catch (error) {
    const problem = bridgeProblem(socketPath, error);
    report(problem);
    throw new Unreachable(problem);
  }
}

function report(problem: string): void {
  const now = Date.now();
  if (now - (reported.get(problem) ?? -Infinity) < 10_000) return;
  reported.set(problem, now);
  Deno.stderr.writeSync(new TextEncoder().encode(`tollgate forwarder: ${problem}\n`));
}

function validPort(port: number): boolean {
  return Number.isInteger(port) && port >= 1 && port <= 65535;
}

/**
 * The lines of standard input, read with `Deno.stdin.read()`: its `readable` stream piped
 * through a `TextDecoderStream` cost 10-15 ms more CPU of this process's start (the stream
 * code runs for the first time), and that start is on the path of every sandbox's start.
 */
async function* lines(
  input: { read(p: Uint8Array): Promise<number | null> },
): AsyncGenerator<string> {
  const buffer = new Uint8Array(4096);
  const decoder = new TextDecoder();
  let rest = "";
  try {
    for (let n = await input.read(buffer); n !== null; n = await input.read(buffer)) {
      rest += decoder.decode(buffer.subarray(0, n), { stream: true });
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

function fail(message: string): never {
  Deno.stderr.writeSync(new TextEncoder().encode(`tollgate forwarder: ${message}\n`));
  Deno.exit(2);
}
