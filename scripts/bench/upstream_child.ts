/**
 * The benchmark's upstream servers in a process of their own, as an origin is in real life
 * (and as the reference figures were measured: wrk, the origin and the proxy each in its own
 * process). In the benchmark's own process the direct rows would never leave one event loop,
 * a baseline no request through any proxy can be compared with.
 *
 * Reads `{chainPem, keyPem}` from the JSON file named by the first argument, prints one line
 * `{"httpPort":N,"httpsPort":M}` when listening (`{"h2Port":P}` for the HTTP/2 origin); exits when stdin closes or on SIGTERM.
 *
 * Run: `deno run -A scripts/bench/upstream_child.ts CONFIG.json`.
 *
 * @module
 */

import { startUpstreams, type UpstreamOptions } from "./upstream_servers.ts";
import { startH2Origin } from "./h2_origin.ts";

async function main(configFile: string): Promise<void> {
  const options: UpstreamOptions & { h2?: boolean } = JSON.parse(
    await Deno.readTextFile(configFile),
  );
  // `{"h2": true}` in the config: the HTTP/2 origin alone (its own process: Deno 2.9's
  // node:http2 may abort the process when a client leaves, which must not take the HTTP/1.1
  // upstream of every other row with it).
  const upstreams = options.h2 ? await startH2Origin(options) : await startUpstreams(options);
  let closing: Promise<void> | undefined;
  const stop = () => closing ??= upstreams.close().finally(() => Deno.exit(0));
  Deno.addSignalListener("SIGTERM", stop);
  const ports = "port" in upstreams
    ? { h2Port: upstreams.port }
    : { httpPort: upstreams.httpPort, httpsPort: upstreams.httpsPort };
  console.log(JSON.stringify(ports));
  // Lifeline: the parent holds our stdin open for as long as it wants us.
  for await (const _ of Deno.stdin.readable) { /* ignore input */ }
  await stop();
}

if (import.meta.main) await main(Deno.args[0] ?? "");
