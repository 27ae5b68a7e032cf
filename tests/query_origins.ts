/**
 * Real origins that record the query parameters their application reads: PHP's own parser
 * (`php -S`, `$_GET`: leading spaces dropped, `.` and a space read as `_`, a name cut at a NUL,
 * `a[]` an array) and Rack 2 (`Rack::Request#GET`: `&` and `;` both separate pairs, `[a]` and
 * `a[]` read as `a`). Each request's parameters are one JSON line, in order.
 *
 * @module
 */

import { join } from "node:path";
import {
  commandMissing,
  startPhpRouterOrigin,
  startScriptOrigin,
} from "./support/script_origin.ts";

const PHP_ROUTER = `<?php
file_put_contents(getenv('SEEN_LOG'), json_encode($_GET) . "\\n", FILE_APPEND | LOCK_EX);
echo "ok";
`;

// What an application reads as its parameters: PHP's \$_REQUEST (request_order GP: a POST's
// form fields over the query's) with a JSON body's top-level members over both, as Laravel's
// input() merges them.
const PHP_PARAMS_ROUTER = `<?php
$json = json_decode(file_get_contents('php://input'), true);
$params = array_replace($_REQUEST, is_array($json) ? $json : []);
file_put_contents(getenv('SEEN_LOG'), json_encode($params) . "\\n", FILE_APPEND | LOCK_EX);
echo "ok";
`;

const RACK_SCRIPT = `
require 'rack'
require 'rack/handler/webrick'
require 'webrick'
require 'json'
log_path = ARGV[0]
reading = ARGV[1]
app = lambda { |env|
  request = Rack::Request.new(env)
  params = ((reading == 'params' ? request.params : request.GET) rescue { 'refused' => $!.class.name })
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
  const ruby = ["-e", "require 'rack'; require 'rack/handler/webrick'; require 'json'"];
  return await commandMissing("php", ["-v"], {
    absent: "php is not installed",
    lacking: "php lacks what the origin needs",
  }) ?? await commandMissing("ruby", ruby, {
    absent: "ruby is not installed",
    lacking: "ruby lacks what the origin needs",
  });
}

/** Start PHP's built-in server in `dir` on a free port of 127.0.0.1. */
export function startPhpQueryOrigin(dir: string): Promise<QueryOrigin> {
  return startPhpRouterOrigin(dir, PHP_ROUTER);
}

/** Start a Rack 2 application behind WEBrick in `dir` on a free port of 127.0.0.1. */
export function startRackQueryOrigin(dir: string): Promise<QueryOrigin> {
  const log = join(dir, `rack-query-${crypto.randomUUID()}.log`);
  const args = ["-e", RACK_SCRIPT, log];
  return startScriptOrigin({ name: "Rack", command: "ruby", args, log });
}

/**
 * Start PHP's built-in server whose application reads `$_REQUEST` and a JSON body's members
 * merged over the query, as Laravel's `input()` does. With `-n` in `phpArgs` (no php.ini, no
 * `request_order`), `$_REQUEST` holds the cookies too, over the query and the form.
 */
export function startPhpParamsOrigin(dir: string, phpArgs: string[] = []): Promise<QueryOrigin> {
  return startPhpRouterOrigin(dir, PHP_PARAMS_ROUTER, phpArgs);
}

/** Start a Rack 2 application reading `Rack::Request#params` (the query, then a form body). */
export function startRackParamsOrigin(dir: string): Promise<QueryOrigin> {
  const log = join(dir, `rack-params-${crypto.randomUUID()}.log`);
  const args = ["-e", RACK_SCRIPT, log, "params"];
  return startScriptOrigin({ name: "Rack", command: "ruby", args, log });
}
