/**
 * The reload-wait row's proxy side in a process of its own: a policy holder on a 10,000-rule
 * policy, reloaded on request while the event loop is probed. In the benchmark's own process
 * the row measured the benchmark's heap (the gateways and 10,000 pending proposals of earlier
 * rows: full collections of 800 ms seen in a full run), which no real proxy ever hosts.
 *
 * Reads {@linkcode ReloadWaitConfig} from the JSON file named by the first argument and prints
 * `{"revision":N}` once loaded. Each stdin line is a revision number: the child reloads the
 * policy at that revision and prints one line of {@linkcode ReloadWaitResult}. Exits when stdin
 * closes (the benchmark ended, or died).
 *
 * Run: `deno run -A scripts/bench/reload_wait_child.ts CONFIG.json`.
 *
 * @module
 */

import { PolicyHolder } from "../../proxy/mod.ts";
import { longestWait } from "./longest_wait.ts";
import type { ReloadWaitConfig, ReloadWaitResult } from "./reload_wait.ts";

async function main(configFile: string): Promise<void> {
  const config: ReloadWaitConfig = JSON.parse(await Deno.readTextFile(configFile));
  const text = await Deno.readTextFile(config.textFile);
  const holder = PolicyHolder.fromText(config.policy, config.file, text);
  console.log(JSON.stringify({ revision: holder.current().revision }));
  let rest = "";
  for await (const chunk of Deno.stdin.readable.pipeThrough(new TextDecoderStream())) {
    const lines = (rest + chunk).split("\n");
    rest = lines.pop() ?? "";
    for (const line of lines) console.log(JSON.stringify(await reloadAt(holder, text, +line)));
  }
  holder.close();
}

/** Reload `text` at `revision`; the longest event-loop wait meanwhile, and an idle probe's. */
async function reloadAt(
  holder: PolicyHolder,
  text: string,
  revision: number,
): Promise<ReloadWaitResult> {
  const next = text.replace(/^revision: \d+$/m, `revision: ${revision}`);
  // With its bytes, as the policy file watch hands a changed file to the holder.
  const utf8 = [new TextEncoder().encode(next)];
  const t0 = performance.now();
  const worstMs = await longestWait(holder.reload(next, undefined, { utf8 }));
  const reloadMs = performance.now() - t0;
  // The same probe for as long with nothing to do: what this machine's stalls alone cost.
  const idleWorstMs = await longestWait(new Promise((resolve) => setTimeout(resolve, reloadMs)));
  return { worstMs, reloadMs, idleWorstMs, revision: holder.current().revision };
}

if (import.meta.main) await main(Deno.args[0] ?? "");
