/**
 * A real origin that honours `_method` in form bodies: Debian's Rack (`ruby-rack`) behind
 * WEBrick, with `Rack::MethodOverride` in front of an app that records each request as the
 * app saw it (method after the override, path, body length, and the SHA-256 of a multipart
 * `file` part, else `-`), over HTTP or HTTPS.
 *
 * @module
 */

import { join } from "node:path";
import type { WithOriginsOptions } from "./support/mod.ts";
import { commandMissing, startScriptOrigin } from "./support/script_origin.ts";

const SCRIPT = `
require 'rack'
require 'rack/handler/webrick'
require 'webrick'
require 'digest'
log_path, cert, key = ARGV
app = Rack::Builder.new do
  use Rack::MethodOverride
  run lambda { |env|
    input = env['rack.input']
    input.rewind
    body = input.read || ''
    file = (Rack::Request.new(env).POST['file'] rescue nil)
    upload = file.is_a?(Hash) ? Digest::SHA256.file(file[:tempfile].path).hexdigest : '-'
    line = "#{env['REQUEST_METHOD']} #{env['PATH_INFO']} #{body.bytesize} #{upload}"
    File.open(log_path, 'a') { |f| f.puts line }
    [200, { 'Content-Type' => 'text/plain' }, [line]]
  }
end.to_app
options = { BindAddress: '127.0.0.1', Port: 0, Logger: WEBrick::Log.new(File::NULL), AccessLog: [] }
if cert
  require 'webrick/https'
  require 'openssl'
  options.merge!(SSLEnable: true,
    SSLCertificate: OpenSSL::X509::Certificate.new(File.read(cert)),
    SSLPrivateKey: OpenSSL::PKey.read(File.read(key)))
end
server = WEBrick::HTTPServer.new(options)
server.mount '/', Rack::Handler::WEBrick, app
trap('TERM') { server.shutdown }
$stdout.puts server.listeners[0].addr[1]
$stdout.flush
server.start
`;

/** A running Rack origin. */
export interface RackOrigin {
  port: number;
  /** What the app saw, one `METHOD PATH BYTES FILE-SHA256` line a request, in order. */
  seen(): Promise<string[]>;
  close(): Promise<void>;
}

/**
 * Why the Rack origin cannot run here (ruby or Rack missing), or undefined when it can.
 * CI installs `ruby-rack` and `ruby-webrick` (.ci/run).
 */
export function rackMissing(): Promise<string | undefined> {
  const args = ["-e", "require 'rack'; require 'rack/handler/webrick'; require 'webrick'"];
  return commandMissing("ruby", args, {
    absent: "ruby is not installed",
    lacking: "ruby-rack or ruby-webrick is not installed",
  });
}

/** Start the origin in `dir`; with `tls`, it serves HTTPS with that certificate and key. */
export async function startRackOrigin(
  dir: string,
  tls?: { certPem: string; keyPem: string },
): Promise<RackOrigin> {
  const log = join(dir, `rack-${crypto.randomUUID()}.log`);
  const args = ["-e", SCRIPT, log];
  if (tls !== undefined) {
    const cert = join(dir, "rack-cert.pem");
    const key = join(dir, "rack-key.pem");
    await Deno.writeTextFile(cert, tls.certPem);
    await Deno.writeTextFile(key, tls.keyPem);
    args.push(cert, key);
  }
  return startScriptOrigin({ name: "Rack", command: "ruby", args, log });
}

/** A Rack origin over HTTP and one over HTTPS. */
export interface RackPair extends Record<string, RackOrigin> {
  rack: RackOrigin;
  rackTls: RackOrigin;
}

/**
 * How {@linkcode withOrigins} starts and reaches a {@linkcode RackPair} answering as `host`:
 * port 80 goes to the HTTP one, port 443 to the HTTPS one (a leaf for `host` from the test CA).
 */
export function rackPair(host: string): Pick<WithOriginsOptions<RackPair>, "start" | "routes"> {
  return {
    start: async (dir, upstreams) => {
      const leaf = await upstreams.mintLeaf([host]);
      const rack = await startRackOrigin(dir);
      const rackTls = await startRackOrigin(dir, { certPem: leaf.chainPem, keyPem: leaf.keyPem });
      return { rack, rackTls };
    },
    routes: ({ rack, rackTls }) => [[host, 80, rack], [host, 443, rackTls]],
  };
}
