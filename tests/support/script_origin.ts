/**
 * A test origin run by another language's server (Flask, Rack on WEBrick, PHP's built-in
 * server): its script writes one line a request to a log, which the test reads back to see
 * exactly what the application acted on.
 *
 * @module
 */

/** A running script origin. */
export interface ScriptOrigin {
  port: number;
  /** The log's lines, one a request, in order. */
  seen(): Promise<string[]>;
  close(): Promise<void>;
}

/** How to start a script origin. */
export interface ScriptOriginOptions {
  /** Names the origin in errors ("The Flask origin exited before it listened"). */
  name: string;
  command: string;
  args: string[];
  /** The log the script appends to (created empty first). */
  log: string;
  env?: Record<string, string>;
  /**
   * The port the script was told to listen on (PHP's server prints it only on stderr among
   * other lines); without it, the script prints its port as its first line of output.
   */
  port?: number;
}

/**
 * Start a script origin and wait until it listens.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { startScriptOrigin } from "./script_origin.ts";
 * const dir = await Deno.makeTempDir();
 * const script = "import http.server,sys\n" +
 *   "class H(http.server.BaseHTTPRequestHandler):\n" +
 *   "  def do_GET(s):\n" +
 *   "    open(sys.argv[1], 'a').write(s.path + '\\n'); s.send_response(204); s.end_headers()\n" +
 *   "  def log_message(s, *a): pass\n" +
 *   "srv = http.server.HTTPServer(('127.0.0.1', 0), H)\n" +
 *   "print(srv.server_address[1], flush=True); srv.serve_forever()\n";
 * const log = `${dir}/seen.log`;
 * const args = ["-c", script, log];
 * const origin = await startScriptOrigin({ name: "Python", command: "python3", args, log });
 * (await fetch(`http://127.0.0.1:${origin.port}/hi`)).body?.cancel();
 * assert.deepEqual(await origin.seen(), ["/hi"]);
 * await origin.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function startScriptOrigin(options: ScriptOriginOptions): Promise<ScriptOrigin> {
  const { name, command, args, log, env, port } = options;
  await Deno.writeTextFile(log, "");
  const stdout = port === undefined ? "piped" : "null";
  const child = new Deno.Command(command, { args, env, stdout, stderr: "null" }).spawn();
  const close = async () => {
    child.kill("SIGTERM");
    await child.status;
  };
  try {
    const listening = port ?? await firstLinePort(child, name);
    if (port !== undefined) await waitListening(port);
    return {
      port: listening,
      seen: async () => (await Deno.readTextFile(log)).split("\n").filter((line) => line !== ""),
      close,
    };
  } catch (error) {
    await close().catch(() => {});
    throw error;
  }
}

/**
 * Why `command args` (with `env` added) cannot serve as an origin here, or undefined when it
 * runs: `absent` when the command cannot be started, `lacking` when it exits with an error (a
 * module missing).
 */
export async function commandMissing(
  command: string,
  args: string[],
  { absent, lacking }: { absent: string; lacking: string },
  env?: Record<string, string>,
): Promise<string | undefined> {
  try {
    const probe = await new Deno.Command(command, { args, env, stdout: "null", stderr: "null" })
      .output();
    return probe.success ? undefined : lacking;
  } catch {
    return absent;
  }
}

/**
 * Start PHP's built-in server in `dir` with `router` (PHP source appending a line a request to
 * the file named by `SEEN_LOG`), on a free port of 127.0.0.1; `phpArgs` go before `-S` (`-n`:
 * no php.ini, as in the official container images).
 */
export async function startPhpRouterOrigin(
  dir: string,
  router: string,
  phpArgs: string[] = [],
): Promise<ScriptOrigin> {
  const file = `${dir}/router-${crypto.randomUUID()}.php`;
  const log = `${dir}/php-${crypto.randomUUID()}.log`;
  await Deno.writeTextFile(file, router);
  // PHP's server says its port only on stderr, among a line per connection: pick one first.
  const port = freePort();
  const args = [...phpArgs, "-S", `127.0.0.1:${port}`, file];
  const env = { SEEN_LOG: log };
  return await startScriptOrigin({ name: "PHP", command: "php", args, log, env, port });
}

/** A free port of 127.0.0.1 to tell a server that cannot say which one it took. */
export function freePort(): number {
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = probe.addr.port;
  probe.close();
  return port;
}

async function firstLinePort(child: Deno.ChildProcess, name: string): Promise<number> {
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let first = "";
  while (!first.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`The ${name} origin exited before it listened`);
    first += value;
  }
  void reader.cancel().catch(() => {});
  return Number(first.trim());
}

async function waitListening(port: number): Promise<void> {
  for (let tries = 0;; tries++) {
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port })).close();
      return;
    } catch (error) {
      if (tries === 200) throw error;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}
