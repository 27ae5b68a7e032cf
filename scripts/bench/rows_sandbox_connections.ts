/**
 * The sandbox new-connection row: what one new connection from a command inside a netns
 * sandbox costs, as curl sees it (connect, request through the forwarder and the bridge, the
 * runner's identity lookup in the sandbox's `/proc/PID/net/tcp`, the proxy, the answer),
 * paired with the same curl in env mode, whose identity lookup is the kernel's sock_diag. A
 * namespace that shared the host's TCP table cost some 6 ms of kernel time per connection.
 *
 * @module
 */

import { join } from "node:path";
import { CertificateAuthority, startProxyService } from "../../proxy/mod.ts";
import { chooseIsolation, runSandbox } from "../../proxy/sandbox/mod.ts";
import type { BenchSetup } from "./setup.ts";
import type { Row } from "./row.ts";
import type { RowInfo, Sample } from "./report.ts";
import { summarize } from "./stats.ts";

const INFO: RowInfo = {
  id: "control.sandbox_new_connection",
  group: "control",
  label: "curl in a netns sandbox, new connection (paired: env mode)",
};

/**
 * `runs` sequential curls, each on a new connection, inside one netns sandbox and then inside
 * one env-mode sandbox; the row's latencies are curl's own `time_total`, its paired figures
 * those of env mode.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sandboxConnectionRow } from "./rows_sandbox_connections.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const upstreams = { httpPort: 9, httpsPort: 9, close: () => Promise.resolve() };
 * const row = await sandboxConnectionRow({ dir, upstreams }, 5);
 * assert.equal(row.info.id, "control.sandbox_new_connection");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function sandboxConnectionRow(
  setup: Pick<BenchSetup, "dir" | "upstreams">,
  runs: number,
): Promise<Row> {
  const choice = await chooseIsolation("auto");
  if (choice.isolation !== "netns") {
    return { info: INFO, skipped: `no network namespace here (${choice.fallbackReason})` };
  }
  if (!await Deno.stat("/usr/bin/curl").then(() => true, () => false)) {
    return { info: INFO, skipped: "/usr/bin/curl is not installed" };
  }
  const root = join(setup.dir, "sandbox-connections");
  await Deno.mkdir(join(root, "policies"), { recursive: true });
  const port = setup.upstreams.httpPort;
  await Deno.writeTextFile(join(root, "policies", "p.yaml"), policyFor(port));
  const loop = (isolation: "netns" | "env") => curlLoop(root, port, runs, isolation);
  return { info: INFO, measure: () => measure(loop) };
}

async function measure(
  loop: (isolation: "netns" | "env") => Promise<number[]>,
): Promise<Sample> {
  const ours = await loop("netns");
  const theirs = await loop("env");
  const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
  const paired = summarize(theirs, sum(theirs));
  return {
    ...summarize(ours, sum(ours)),
    pairedReqPerSec: paired.reqPerSec,
    pairedP50Us: paired.p50Us,
    errors: 0,
    note: "curl's time_total, one sandbox per mode; the sandbox's start is not timed",
  };
}

function policyFor(port: number): string {
  return [
    "version: 1",
    "network_policies:",
    "  upstream:",
    `    endpoints: [{ host: upstream.test, port: ${port}, protocol: rest, access: read-only }]`,
    "    binaries: [{ path: /usr/bin/curl }]",
    "",
  ].join("\n");
}

/** Each curl's time in milliseconds; throws when a request did not get its 200. */
async function curlLoop(
  root: string,
  port: number,
  runs: number,
  isolation: "netns" | "env",
): Promise<number[]> {
  const stateDir = join(root, ".tollgate");
  const policiesDir = join(root, "policies");
  const out = join(root, `curl-${isolation}.txt`);
  await Deno.remove(out).catch(() => {});
  const format = "%{http_code} %{time_total}\\n";
  const curl = `/usr/bin/curl -s -o /dev/null -w '${format}' http://upstream.test:${port}/`;
  // One untimed request first: the proxy's first decision loads the policy's matchers.
  const script = `${curl} > /dev/null; for i in $(seq ${runs}); do ${curl} >> ${out}; done`;
  const ca = await CertificateAuthority.loadOrCreate(stateDir);
  const code = await runSandbox({
    command: ["sh", "-c", script],
    isolation,
    stateDir,
    caPem: ca.certPem,
    readOnly: [policiesDir],
    env: { PATH: Deno.env.get("PATH"), HOME: Deno.env.get("HOME") },
    cwd: root,
    stdio: "null",
    startProxy: () =>
      startProxyService({
        policy: "p",
        policiesDir,
        stateDir,
        ca,
        resolve: [`upstream.test:${port}:127.0.0.1`],
      }),
  });
  const lines = (await Deno.readTextFile(out).catch(() => "")).trim().split("\n");
  const bad = lines.find((line) => !line.startsWith("200 "));
  if (code !== 0 || lines.length !== runs || bad !== undefined) {
    throw new Error(`curl in ${isolation} mode: exit ${code}, ${lines.length} answers, ${bad}`);
  }
  return lines.map((line) => Number(line.split(" ")[1]) * 1000);
}
