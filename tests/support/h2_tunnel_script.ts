/**
 * A real HTTP/2 client program for hostile and end-to-end tests, run by `node` or by Deno's own
 * `node:http2`: a prelude opens a session to `host:443` through the proxy's CONNECT tunnel
 * (TLS offering only h2), and the test's own lines use it. Each test keeps only what its client
 * does on the session; the tunnel set-up is written once.
 *
 * @module
 */

// ES module text for `node --input-type=module -e` and `deno eval` alike. Its globals:
// HOST, REST (the arguments after proxy port, host and CA path) and openH2Session(settings).
const PRELUDE = `
import net from "node:net"; import tls from "node:tls"; import http2 from "node:http2";
import fs from "node:fs";
const ARGS = typeof Deno === "undefined" ? process.argv.slice(1) : Deno.args;
const [PROXY_PORT, HOST, CA_PATH, ...REST] = ARGS;
async function openH2Session(settings) {
  const raw = net.connect(Number(PROXY_PORT), "127.0.0.1");
  await new Promise((r) => raw.once("connect", r));
  raw.write("CONNECT " + HOST + ":443 HTTP/1.1\\r\\nHost: " + HOST + ":443\\r\\n\\r\\n");
  await new Promise((r) => raw.once("data", r));
  const socket = tls.connect({ socket: raw, servername: HOST, ca: fs.readFileSync(CA_PATH), ALPNProtocols: ["h2"] });
  await new Promise((r) => socket.once("secureConnect", r));
  const session = http2.connect("https://" + HOST, { createConnection: () => socket, settings });
  session.on("error", () => {});
  return session;
}
`;

/** Where an {@linkcode h2TunnelClient} runs and what it is handed. */
export interface H2TunnelClientOptions {
  /** `node` (`/usr/bin/node`, seen by the proxy as that binary) or this Deno. */
  runtime: "node" | "deno";
  /** The test proxy's port on 127.0.0.1. */
  proxyPort: number;
  /** The host the tunnel is CONNECTed to (port 443), also the TLS server name. */
  host: string;
  /** The proxy's CA certificate, trusted for the intercepted TLS. */
  caPath: string;
  /** More arguments, as `REST` in the script. */
  args?: readonly string[];
  /** Standard input, output and error of the client (default: null, piped, null). */
  stdin?: "piped" | "null";
  /** Standard output (default piped). */
  stdout?: "piped" | "null";
}

/**
 * A command running `body` after the tunnel prelude: `const session = await openH2Session()`
 * gives it a session through the proxy. Spawn it, or take its output.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { h2TunnelClient } from "./h2_tunnel_script.ts";
 * // No proxy listens on port 1: the script's own lines still run first.
 * const options = { runtime: "deno", proxyPort: 1, host: "h2.test", caPath: "/dev/null" } as const;
 * const out = await h2TunnelClient("console.log(HOST + ' ' + REST.length);", options).output();
 * assert.equal(new TextDecoder().decode(out.stdout).trim(), "h2.test 0");
 * ```
 */
export function h2TunnelClient(body: string, options: H2TunnelClientOptions): Deno.Command {
  const { proxyPort, host, caPath } = options;
  const script = PRELUDE + body;
  const rest = [String(proxyPort), host, caPath, ...options.args ?? []];
  const stdio = {
    stdin: options.stdin ?? "null",
    stdout: options.stdout ?? "piped",
    stderr: "null",
  } as const;
  if (options.runtime === "deno") {
    return new Deno.Command(Deno.execPath(), {
      args: ["eval", "--quiet", script, "--", ...rest],
      ...stdio,
    });
  }
  return new Deno.Command("/usr/bin/node", {
    args: ["--input-type=module", "-e", script, ...rest],
    env: { PATH: "/usr/bin:/bin" },
    clearEnv: true,
    ...stdio,
  });
}
