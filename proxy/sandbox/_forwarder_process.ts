/**
 * How the forwarder process is started and how its readiness is read.
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import { NAME_POOL_CIDR } from "./_name_pool.ts";
import { lineReader } from "./_lines.ts";

const FORWARDER = fileURLToPath(new URL("./netns_forwarder.ts", import.meta.url));
const KEPT_ENV = ["PATH", "HOME", "DENO_DIR", "XDG_CACHE_HOME", "TMPDIR"];

/**
 * Buckets of the sandbox namespace's own TCP connection table: a walk of it costs little, and
 * the kernel lets half as many connections wait in TIME_WAIT (2,048) before it closes more of
 * them at once, which loopback does not need.
 */
export const OWN_TABLE_ENTRIES = 4096;

// Silent where the kernel has no such sysctl: the sandbox then shares the host's table.
const OWN_TABLE =
  `{ echo ${OWN_TABLE_ENTRIES} > /proc/sys/net/ipv4/tcp_child_ehash_entries; } 2>/dev/null; exec "$@"`;

/** Where the forwarder listens and what it connects to. */
export interface ForwarderTarget {
  socketPath: string;
  port: number;
  /**
   * Ports captured in transparent mode (none: no DNS answerer, no synthetic addresses). Still to
   * come (a promise: the policy's, once its proxy has started) means transparent mode with any
   * port of `0.0.0.0` the forwarder's to listen on, inside its own network namespace.
   */
  capturePorts?: number[] | Promise<number[]>;
}

/**
 * `unshare` arguments: a new user (root mapped to us) and network namespace, `lo` brought up
 * (a new namespace starts with it down), in transparent mode the synthetic address pool made
 * local on `lo` (so a listener on `0.0.0.0:P` accepts a connection to any of them and sees
 * which one was dialled), then the forwarder with only the permissions it needs.
 *
 * The network namespace is made in two steps so that it gets a TCP connection table of its own
 * ({@linkcode OWN_TABLE_ENTRIES} buckets): the first namespace only sets
 * `tcp_child_ehash_entries` (its children's table size; Linux 6.1 and later) and its `unshare
 * --net` makes the sandbox's. The runner finds each client's socket in the sandbox's
 * `/proc/PID/net/tcp`, and the kernel builds that file by walking the whole table it lives in:
 * the host's (262,144 buckets here) took 6 ms of kernel time for every new connection, its own
 * 0.3 ms. Where the sysctl is refused the sandbox shares the host's table, as before.
 */
export function forwarderArgs(options: ForwarderTarget): string[] {
  const { socketPath, port } = options;
  const known = options.capturePorts instanceof Promise ? undefined : options.capturePorts ?? [];
  const capture = known ?? ["any"];
  // Both in one ip(8) process (-batch, a failed line fails it): one exec fewer at each start.
  // "ns PID" first: the namespaces exist, the command may be spawned in them meanwhile.
  const setup = capture.length === 0
    ? 'echo "ns $$" && ip link set lo up && exec "$@"'
    : `echo "ns $$" && ip -batch - <<EOF && exec "$@"\nlink set lo up\nroute add local ${NAME_POOL_CIDR} dev lo\nEOF`;
  // The DNS answerer replies to any port of 127.0.0.1; nothing else listens in the namespace.
  const net = capture.length === 0
    ? [`127.0.0.1:${port}`]
    : ["127.0.0.1", ...(known?.map((p) => `0.0.0.0:${p}`) ?? ["0.0.0.0"])];
  return [
    "--user",
    "--map-root-user",
    "--net",
    "--",
    "sh",
    "-c",
    OWN_TABLE,
    "tollgate-forwarder",
    "unshare",
    "--net",
    "--",
    "sh",
    "-c",
    setup,
    "tollgate-forwarder",
    Deno.execPath(),
    "run",
    "--no-config",
    "--quiet",
    // Deno.listenDatagram, the DNS answerer's socket: node:dgram took some 12 ms to load.
    "--unstable-net",
    `--allow-net=${[...net, `unix:${socketPath}`].join(",")}`,
    `--allow-read=${socketPath}`,
    `--allow-write=${socketPath}`,
    "--allow-run=kill",
    FORWARDER,
    String(port),
    socketPath,
  ];
}

/** The forwarder's environment: only what Deno needs to start. */
export function forwarderEnv(base: Record<string, string | undefined>): Record<string, string> {
  const env: Record<string, string> = { RUST_BACKTRACE: "0", NO_COLOR: "1" };
  for (const key of KEPT_ENV) {
    const value = base[key];
    if (value !== undefined) env[key] = value;
  }
  return env;
}

/**
 * The forwarder's pid from its `ready PID` line (or `ns PID`: its namespaces exist), or an Error
 * when it did not get there.
 */
export async function readyPid(
  line: Promise<string>,
  timeoutMs: number,
  word: "ready" | "ns" = "ready",
): Promise<number> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("forwarder did not start in time")), timeoutMs);
  });
  try {
    const match = new RegExp(`^${word} (\\d+)$`).exec(await Promise.race([line, timeout]));
    if (match === null) throw new Error("forwarder exited before it was ready");
    return Number(match[1]);
  } finally {
    clearTimeout(timer);
  }
}

/** Call `onLine` for each line of `stream` until it ends. */
export async function consumeLines(
  stream: ReadableStream<Uint8Array>,
  onLine: (line: string) => void,
): Promise<void> {
  for await (const line of lineReader(stream)) onLine(line);
}

/** Close the forwarder's standard input (it ends then) and wait for it; SIGKILL after 2 s. */
export async function stopProcess(
  child: Deno.ChildProcess,
  stdin: WritableStreamDefaultWriter<Uint8Array>,
): Promise<void> {
  await stdin.close().catch(() => {});
  const timer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch {
      // Already gone.
    }
  }, 2_000);
  try {
    await child.status;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Kill the forwarder and wait for it: it holds nothing that needs an orderly end (no file; its
 * namespaces go with it), and its own exit on `stop` took 4-8 ms of every run's end.
 */
export async function killProcess(
  child: Deno.ChildProcess,
  stdin: WritableStreamDefaultWriter<Uint8Array>,
): Promise<void> {
  try {
    child.kill("SIGKILL");
  } catch {
    // Gone already.
  }
  await stopProcess(child, stdin);
}

/**
 * Lines to the forwarder's standard input, written in the order given; a line still to come (a
 * promise) holds back the ones after it, and one that rejects is skipped.
 */
export class LineWriter {
  #last: Promise<unknown> = Promise.resolve();

  constructor(readonly writer: WritableStreamDefaultWriter<Uint8Array>) {}

  /** Write `line` after those before it; settles once written (or failed). Never rejects. */
  send(line: string | Promise<string>): Promise<unknown> {
    const write = (text: string) => this.writer.write(new TextEncoder().encode(`${text}\n`));
    return this.#last = this.#last.then(() => line).then(write).catch(() => {});
  }
}
