/**
 * Real origins that record the query parameters their application reads: PHP's own parser
 * (`php -S`, `$_GET`: leading spaces dropped, `.` and a space read as `_`, a name cut at a NUL,
 * `a[]` an array) and Rack 2 (`Rack::Request#GET`: `&` and `;` both separate pairs, `[a]` and
 * `a[]` read as `a`). Each request's parameters are one JSON line, in order.
 *
 * @module
 */

import { join } from "node:path";

const PHP_ROUTER = `<?php
file_put_contents(getenv('SEEN_LOG'), json_encode($_GET) . "\\n", FILE_APPEND | LOCK_EX);
echo "ok";
`;

const RACK_SCRIPT = `
require 'rack'
require 'rack/handler/webrick'
require 'webrick'
require 'json'
log_path = ARGV[0]
app = lambda { |env|
  params = (Rack::Request.new(env).GET rescue { 'refused' => $!.class.name })
  File.open(log_path, 'a') { |f| f.puts JSON.generate(params) }
  [200, { 'Content-Type' => 'text/plain' }, ['ok']]
}
server = WEBrick::HTTPServer.new(BindAddress: '127.0.0.1', Port: 0,
  Logger: WEBrick::Log.new(File::NULL), AccessLog: [])
server.mount '/', Rack::Handler::WEBrick, app
trap('TERM') { server.shutdown }
$stdout.puts server.listeners[0].addr[1]
$stdout.flush
server.start
`;

/** A running origin that records the parameters its application read. */
export interface QueryOrigin {
  port: number;
  /** The parameters of each request, as JSON text, in order. */
  seen(): Promise<string[]>;
  close(): Promise<void>;
}

/** Why these origins cannot run here (php-cli, ruby-rack or ruby-webrick missing). */
export async function queryOriginsMissing(): Promise<string | undefined> {
  const probes: [string, string[]][] = [
    ["php", ["-v"]],
    ["ruby", ["-e", "require 'rack'; require 'rack/handler/webrick'; require 'json'"]],
  ];
  for (const [command, args] of probes) {
    try {
      const probe = await new Deno.Command(command, { args, stdout: "null", stderr: "null" })
        .output();
      if (!probe.success) return `${command} lacks what the origin needs`;
    } catch {
      return `${command} is not installed`;
    }
  }
  return undefined;
}

function readLog(log: string): () => Promise<string[]> {
  return async () => (await Deno.readTextFile(log)).split("\n").filter((line) => line !== "");
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

/** Start PHP's built-in server in `dir` on a free port of 127.0.0.1. */
export async function startPhpQueryOrigin(dir: string): Promise<QueryOrigin> {
  const router = join(dir, "query_router.php");
  const log = join(dir, `php-query-${crypto.randomUUID()}.log`);
  await Deno.writeTextFile(router, PHP_ROUTER);
  await Deno.writeTextFile(log, "");
  // PHP's server says its port only on stderr, among a line per connection: pick one first.
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = probe.addr.port;
  probe.close();
  const child = new Deno.Command("php", {
    args: ["-S", `127.0.0.1:${port}`, router],
    env: { SEEN_LOG: log },
    stdout: "null",
    stderr: "null",
  }).spawn();
  await waitListening(port);
  return {
    port,
    seen: readLog(log),
    close: async () => {
      child.kill("SIGTERM");
      await child.status;
    },
  };
}

/** Start a Rack 2 application behind WEBrick in `dir` on a free port of 127.0.0.1. */
export async function startRackQueryOrigin(dir: string): Promise<QueryOrigin> {
  const log = join(dir, `rack-query-${crypto.randomUUID()}.log`);
  await Deno.writeTextFile(log, "");
  const child = new Deno.Command("ruby", {
    args: ["-e", RACK_SCRIPT, log],
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let first = "";
  while (!first.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error("The Rack origin exited before it listened");
    first += value;
  }
  void reader.cancel().catch(() => {});
  return {
    port: Number(first.trim()),
    seen: readLog(log),
    close: async () => {
      child.kill("SIGTERM");
      await child.status;
    },
  };
}
