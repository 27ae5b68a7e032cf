/**
 * The data-plane rows of `--scale` (issue #15 items 1-3): many clients at once, bulk
 * transfers and identity lookups, beside Squid and ssl-bump Squid started for them.
 *
 * @module
 */

import { join } from "node:path";
import type { ChildProcesses } from "./child_processes.ts";
import { BENCH_HOSTS, type BenchSetup } from "./setup.ts";
import type { Row } from "./row.ts";
import type { ProxyStart } from "./rows_tollgate.ts";
import { type PeerStart, startSquid } from "./peer_proxies.ts";
import { startBumpSquid } from "./bump_squid.ts";
import { startFloorRelay } from "./floor_relay.ts";
import { startDenoFloorRelay } from "./floor_relay_deno.ts";
import { concurrencyRows } from "./rows_concurrency.ts";
import { rssRows } from "./rows_rss.ts";
import { PROXY_V8_FLAGS } from "../../proxy/mod.ts";
import { bulkRows } from "./rows_bulk.ts";
import { identityRows } from "./rows_identity.ts";
import { h2Rows } from "./rows_h2.ts";
import { spawnH2Origin } from "./h2_origin.ts";

/**
 * The bulk rows' uploads: POST /upload on the L7 host (bench_l7 is read-only), on the HTTP/1.1
 * upstream and on the HTTP/2 origin, where the HTTP/2 rows also GET.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { budgetFor } from "./budget.ts";
 * import { uploadRule } from "./scale_data_plane.ts";
 *
 * const upstreams = { httpPort: 9, httpsPort: 8443, h2Port: 8444, close: () => Promise.resolve() };
 * const rule = uploadRule({ budget: budgetFor(true), certs: { caPem: "", chainPem: "", keyPem: "" }, upstreams, dir: "/x" });
 * assert.match(rule, /port: 8444, protocol: rest/);
 * ```
 */
export function uploadRule(setup: BenchSetup): string {
  const { httpsPort, h2Port } = setup.upstreams;
  const endpoint = (port: number, rules: string) =>
    `      - { host: ${BENCH_HOSTS.l7}, port: ${port}, protocol: rest, rules: [${rules}] }`;
  const upload = '{ allow: { method: POST, path: "/upload" } }';
  return [
    "  bench_upload:",
    "    endpoints:",
    endpoint(httpsPort, upload),
    ...(h2Port ? [endpoint(h2Port, `${upload}, { allow: { method: GET, path: "/**" } }`)] : []),
    "    binaries: [{ path: /usr/bin/curl }]",
  ].join("\n");
}

/**
 * The data-plane `--scale` rows (issue #15 items 1-3), with a Tollgate proxy (started by
 * `startProxy`, its policy extended by the upload rule), a Squid and an ssl-bump Squid of
 * their own.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { budgetFor } from "./budget.ts";
 * import type { BenchSetup } from "./setup.ts";
 * import { ChildProcesses } from "./child_processes.ts";
 * import { dataPlaneScaleRows } from "./scale_data_plane.ts";
 *
 * const setup: BenchSetup = {
 *   budget: budgetFor(true),
 *   certs: { caPem: "", chainPem: "", keyPem: "" },
 *   upstreams: { httpPort: 9, httpsPort: 9, close: () => Promise.resolve() },
 *   dir: "/nonexistent",
 * };
 * await using children = new ChildProcesses();
 * await using stack = new AsyncDisposableStack();
 * // Only the identity rows wanted: no proxy, no Squid is started.
 * const wanted = (prefix: string) => prefix === "scale.identity";
 * const start = () => Promise.resolve({ ok: false as const, note: "not wanted" });
 * const rows = await dataPlaneScaleRows(setup, children, stack, wanted, start);
 * assert.equal(rows.length, 2);
 * assert.equal(children.running.length, 0);
 * ```
 */
export async function dataPlaneScaleRows(
  // Reassigned below with the HTTP/2 origin's port, for the rows and the proxy's rules.
  setup: BenchSetup,
  children: ChildProcesses,
  stack: AsyncDisposableStack,
  wanted: (idPrefix: string) => boolean,
  startProxy: (name: string, extraRules: string, h2Port?: number) => Promise<ProxyStart>,
): Promise<Row[]> {
  const identity = wanted("scale.identity") ? identityRows() : [];
  const loads = wanted("scale.tollgate") || wanted("scale.squid") || wanted("scale.floor");
  // The identity rows start their own processes: without the load rows, nothing to start here.
  if (!loads && !wanted("scale.bulk") && !wanted("scale.h2")) return identity;
  const options = {
    upstreamPorts: [setup.upstreams.httpPort, setup.upstreams.httpsPort],
    dir: join(setup.dir, "scale"),
    maxSeconds: 3600,
    cpus: setup.pinning?.servers,
  };
  await Deno.mkdir(options.dir, { recursive: true });
  // Squid drops to its own user, which must traverse the (root-only) temp directory.
  await Deno.chmod(setup.dir, 0o755);
  const peer = async <T extends PeerStart>(name: string, start: () => Promise<T>) => {
    const started = await start().catch((error): PeerStart => ({
      ok: false,
      name,
      note: `${name} did not start: ${(error as Error).message}`,
    }));
    if (started.ok) stack.defer(() => started.stop());
    return started as T;
  };
  // The HTTP/2 origin only for the HTTP/2 rows, and before the proxy, which must resolve it.
  const h2Port = wanted("scale.h2")
    ? await startH2(setup, children, stack, options.dir)
    : undefined;
  setup = { ...setup, upstreams: { ...setup.upstreams, h2Port } };
  const [tollgate, squid, bump, floor, floorLoop] = await Promise.all([
    startProxy("scale", uploadRule(setup), h2Port),
    peer("squid", () => startSquid(children, options)),
    peer("squid-bump", () => startBumpSquid(children, options, setup.certs.caPem)),
    peer("floor relay", () => startFloorRelay(children, options)),
    peer("floor relay loop", () => startDenoFloorRelay(children, options, "loop")),
  ]);
  // The RSS rows' own proxies, one per repetition, each stopped after it (a Squid or a floor
  // relay each in a directory of its own: the long-lived one keeps its files).
  const freshTollgate = () => startProxy("scale-rss", uploadRule(setup), h2Port);
  let bumps = 0;
  const freshBump = async () => {
    const dir = join(options.dir, `rss-${++bumps}`);
    await Deno.mkdir(dir, { recursive: true });
    return await startBumpSquid(children, { ...options, dir }, setup.certs.caPem);
  };
  let floors = 0;
  const freshFloorTls = async () => {
    const dir = join(options.dir, `floor-${++floors}`);
    await Deno.mkdir(dir, { recursive: true });
    const tls = { certs: setup.certs, v8Flags: PROXY_V8_FLAGS };
    return await startFloorRelay(children, { ...options, dir }, tls);
  };
  const proxies = {
    tollgate,
    squid,
    bump,
    floor,
    floorLoop,
    freshTollgate,
    freshBump,
    freshFloorTls,
  };
  return [
    ...(loads ? [...concurrencyRows(setup, proxies), ...rssRows(setup, proxies)] : []),
    ...(wanted("scale.bulk") ? bulkRows(setup, proxies) : []),
    ...(wanted("scale.h2") ? h2Rows(setup, proxies) : []),
    ...identity,
  ];
}

/** The HTTP/2 origin's port, or undefined (the rows then say why they are skipped). */
async function startH2(
  setup: BenchSetup,
  children: ChildProcesses,
  stack: AsyncDisposableStack,
  dir: string,
): Promise<number | undefined> {
  try {
    const origin = await spawnH2Origin(children, setup.certs, dir, setup.pinning?.servers);
    stack.defer(() => origin.close());
    return origin.port;
  } catch {
    return undefined;
  }
}
