/**
 * The benchmark's upstream servers in a process of their own, as an origin is in real life
 * (and as the reference figures were measured: wrk, the origin and the proxy each in its own
 * process). In the benchmark's own process the direct rows would never leave one event loop,
 * a baseline no request through any proxy can be compared with.
 *
 * Reads `{chainPem, keyPem}` from the JSON file named by the first argument, prints one line
 * `{"httpPort":N,"httpsPort":M}` when listening; each line on stdin is answered with
 * `{"served":N}`; exits when stdin closes or on SIGTERM.
 *
 * Run: `deno run -A scripts/bench/upstream_child.ts CONFIG.json`.
 *
 * @module
 */

import { startUpstreams, type UpstreamOptions } from "./upstream_servers.ts";

async function main(configFile: string): Promise<void> {
  const options: UpstreamOptions = JSON.parse(await Deno.readTextFile(configFile));
  const upstreams = await startUpstreams(options);
  let closing: Promise<void> | undefined;
  const stop = () => closing ??= upstreams.close().finally(() => Deno.exit(0));
  Deno.addSignalListener("SIGTERM", stop);
  const { httpPort, httpsPort } = upstreams;
  console.log(JSON.stringify({ httpPort, httpsPort }));
  // Lifeline and question channel: every line asks for the count of requests served.
  const lines = Deno.stdin.readable.pipeThrough(new TextDecoderStream());
  for await (const chunk of lines) {
    for (const _ of chunk.matchAll(/\n/g)) {
      console.log(JSON.stringify({ served: upstreams.served }));
    }
  }
  await stop();
}

if (import.meta.main) await main(Deno.args[0] ?? "");
