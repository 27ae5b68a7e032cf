/**
 * The benchmark's upstream servers in a process of their own, as an origin is in real life
 * (and as the reference figures were measured: wrk, the origin and the proxy each in its own
 * process). In the benchmark's own process the direct rows would never leave one event loop,
 * a baseline no request through any proxy can be compared with.
 *
 * Reads `{chainPem, keyPem}` from the JSON file named by the first argument, prints one line
 * `{"httpPort":N,"httpsPort":M,"h2Port":P}` when listening (P: the HTTP/2 origin's); exits when stdin closes or on SIGTERM.
 *
 * Run: `deno run -A scripts/bench/upstream_child.ts CONFIG.json`.
 *
 * @module
 */

import { startUpstreams, type UpstreamOptions } from "./upstream_servers.ts";
import { startH2Origin } from "./h2_origin.ts";

async function main(configFile: string): Promise<void> {
  const options: UpstreamOptions = JSON.parse(await Deno.readTextFile(configFile));
  const upstreams = await startUpstreams(options);
  const h2 = await startH2Origin(options);
  let closing: Promise<void> | undefined;
  const close = async () => void await Promise.all([upstreams.close(), h2.close()]);
  const stop = () => closing ??= close().finally(() => Deno.exit(0));
  Deno.addSignalListener("SIGTERM", stop);
  const { httpPort, httpsPort } = upstreams;
  console.log(JSON.stringify({ httpPort, httpsPort, h2Port: h2.port }));
  // Lifeline: the parent holds our stdin open for as long as it wants us.
  for await (const _ of Deno.stdin.readable) { /* ignore input */ }
  await stop();
}

if (import.meta.main) await main(Deno.args[0] ?? "");
