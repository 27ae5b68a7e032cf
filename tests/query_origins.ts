/**
 * Real origins that record the query parameters their application reads: PHP's own parser
 * (`php -S`, `$_GET`: leading spaces dropped, `.` and a space read as `_`, a name cut at a NUL,
 * `a[]` an array) and Rack 2 (`Rack::Request#GET`: `&` and `;` both separate pairs, `[a]` and
 * `a[]` read as `a`). Each request's parameters are one JSON line, in order.
 *
 * @module
 */

import { join } from "node:path";
import { freePort, startScriptOrigin } from "./support/script_origin.ts";

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

/** Start PHP's built-in server in `dir` on a free port of 127.0.0.1. */
export async function startPhpQueryOrigin(dir: string): Promise<QueryOrigin> {
  const router = join(dir, "query_router.php");
  const log = join(dir, `php-query-${crypto.randomUUID()}.log`);
  await Deno.writeTextFile(router, PHP_ROUTER);
  // PHP's server says its port only on stderr, among a line per connection: pick one first.
  const port = freePort();
  const args = ["-S", `127.0.0.1:${port}`, router];
  return startScriptOrigin({
    name: "PHP",
    command: "php",
    args,
    log,
    env: { SEEN_LOG: log },
    port,
  });
}

/** Start a Rack 2 application behind WEBrick in `dir` on a free port of 127.0.0.1. */
export function startRackQueryOrigin(dir: string): Promise<QueryOrigin> {
  const log = join(dir, `rack-query-${crypto.randomUUID()}.log`);
  const args = ["-e", RACK_SCRIPT, log];
  return startScriptOrigin({ name: "Rack", command: "ruby", args, log });
}
