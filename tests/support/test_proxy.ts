/**
 * A Tollgate proxy for end-to-end tests: temporary state directory (CA, logs), a policy file
 * it can watch, resolve overrides pointing public names at the test upstreams, and every
 * OCSF event collected in memory (and optionally in the log files).
 *
 * @module
 */

import { join } from "node:path";
import {
  CertificateAuthority,
  createProcIdentityResolver,
  type IdentityResolver,
  PolicyHolder,
  type ProxyHandle,
  type ProxyOptions,
  type ResolveOverride,
  startProxy,
  watchPolicyFile,
} from "../../proxy/mod.ts";
import { configEvent, type OcsfEvent, OcsfLog } from "../../proxy/ocsf/mod.ts";
import type { TestUpstreams } from "./test_upstreams.ts";

/** Options of {@linkcode startTestProxy}. */
export interface TestProxyOptions {
  /** Policy YAML written to `STATE/policies/test.yaml`. */
  policy: string;
  /** Upstreams the public names below are mapped to. */
  upstreams: TestUpstreams;
  /** Names mapped (port 443) to the HTTPS upstream; default api.github.com, example.com. */
  httpsHosts?: string[];
  /** Names mapped (port 80) to the HTTP upstream; default plain.example.com. */
  httpHosts?: string[];
  /** More overrides, e.g. a name pointing at a closed port. */
  resolve?: ResolveOverride[];
  /** Watch the policy file and reload (default false). */
  watch?: boolean;
  /** Also append events to `STATE/logs` through OcsfLog (default false). */
  writeLogs?: boolean;
  /** Slow-client limit (the proxy's default otherwise). */
  headTimeoutMs?: number;
  /** Idle limit between requests and inside request bodies (the proxy's default otherwise). */
  idleTimeoutMs?: number;
  /** The longest wait for an upstream's answer (the proxy's default otherwise). */
  upstreamTimeoutMs?: number;
  /** Whole-body deadline of policy.local requests (the proxy's default otherwise). */
  policyLocalBodyTimeoutMs?: number;
  /** Client connections served at once (the proxy's default otherwise). */
  maxConnections?: number;
  /** The in-band denial minting budget (the proxy's default otherwise). */
  denialMints?: ProxyOptions["denialMints"];
  /** The request-body budget and its wait (the proxy's defaults otherwise). */
  bodyBudget?: Pick<ProxyOptions, "bodyBudgetBytes" | "bodyBudgetWaitMs">;
  /** The answer budget and its wait (the proxy's defaults otherwise). */
  answerBudget?: Pick<ProxyOptions, "answerBudgetBytes" | "answerBudgetWaitMs">;
  /** The policy.local answer budget and deadline (the proxy's defaults otherwise). */
  policyLocalAnswers?: Pick<
    ProxyOptions,
    "policyLocalAnswerBudgetBytes" | "policyLocalAnswerTimeoutMs"
  >;
  /** Identity resolver (otherwise the real `/proc` one, searching this process and its children). */
  identity?: IdentityResolver;
  /** Serves `http://policy.local/...`. */
  policyLocal?: (request: Request) => Promise<Response>;
  /** The inflate worker's module (the proxy's own otherwise). */
  inflateWorker?: ProxyOptions["inflateWorker"];
  /** The clock leases end by (the real one otherwise). */
  now?: ProxyOptions["now"];
  /** The pace of the audit log (the proxy's default otherwise). */
  auditPace?: ProxyOptions["auditPace"];
}

/** A running test proxy. */
export interface TestProxy {
  /** The proxy's port on 127.0.0.1. */
  port: number;
  /** The proxy's CA certificate (curl's `--cacert`). */
  caPath: string;
  /** Temporary state directory (removed by `close()`). */
  stateDir: string;
  /** The policy file (watched when `watch` is set). */
  policyFile: string;
  /** Where `writeLogs` puts the OCSF files. */
  logDir: string;
  /** The policy in force; `update()` swaps it at once. */
  holder: PolicyHolder;
  /** Every event, in order (decisions and config). */
  events: OcsfEvent[];
  /** The proxy handle itself. */
  proxy: ProxyHandle;
  /** Skill path named in deny bodies. */
  skillPath: string;
  /** Stop everything and remove the state directory. */
  close(): Promise<void>;
}

/** The skill path test proxies put in deny bodies. */
export const TEST_SKILL_PATH = "/etc/tollgate/skills/policy_advisor.md";

/**
 * Start a proxy for a test.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { startTestProxy, startTestUpstreams } from "./mod.ts";
 *
 * const upstreams = await startTestUpstreams();
 * const proxy = await startTestProxy({ policy: "version: 1\n", upstreams });
 * assert.equal(proxy.events[0]?.class_uid, 5019); // the LOADED config event
 * await proxy.close();
 * await upstreams.close();
 * ```
 */
export async function startTestProxy(options: TestProxyOptions): Promise<TestProxy> {
  const stateDir = await Deno.makeTempDir({ prefix: "tollgate-proxy-" });
  const policyDir = join(stateDir, "policies");
  await Deno.mkdir(policyDir);
  const policyFile = join(policyDir, "test.yaml");
  await Deno.writeTextFile(policyFile, options.policy);
  const logDir = join(stateDir, "logs");
  const log = options.writeLogs ? new OcsfLog(logDir) : undefined;
  const events: OcsfEvent[] = [];
  const onEvent = (event: OcsfEvent) => {
    events.push(event);
    log?.append(event).catch(() => {});
  };
  const holder = await PolicyHolder.load("test", policyFile);
  const { revision, hash } = holder.current();
  onEvent(configEvent("LOADED", "Policy loaded", { revision, hash, policy: "test" }));
  const ca = await CertificateAuthority.loadOrCreate(stateDir);
  const resolve = overridesFor(options);
  // Clients are this process and its children: look for them there. Host-wide, every lookup
  // reads every descriptor on the machine (2 s a connection with 95,000 open elsewhere, load
  // 13), so a test's requests timed out beside other work holding many sockets.
  const ownTree = options.identity ? undefined : createProcIdentityResolver({
    treeRoot: () => Deno.pid,
  });
  const proxy = await startProxy({
    listen: { hostname: "127.0.0.1", port: 0 },
    holder,
    ca,
    resolve,
    upstreamCa: [options.upstreams.caPem],
    skillPath: TEST_SKILL_PATH,
    onEvent,
    headTimeoutMs: options.headTimeoutMs,
    idleTimeoutMs: options.idleTimeoutMs,
    upstreamTimeoutMs: options.upstreamTimeoutMs,
    policyLocalBodyTimeoutMs: options.policyLocalBodyTimeoutMs,
    maxConnections: options.maxConnections,
    denialMints: options.denialMints,
    ...options.bodyBudget,
    ...options.answerBudget,
    ...options.policyLocalAnswers,
    identity: options.identity ?? ownTree,
    policyLocal: options.policyLocal,
    inflateWorker: options.inflateWorker,
    now: options.now,
    auditPace: options.auditPace,
  });
  const stop = new AbortController();
  const watching = options.watch
    ? watchPolicyFile(holder, policyFile, { signal: stop.signal, onEvent })
    : Promise.resolve();
  return {
    port: proxy.port,
    caPath: ca.certPath,
    stateDir,
    policyFile,
    logDir,
    holder,
    events,
    proxy,
    skillPath: TEST_SKILL_PATH,
    async close() {
      stop.abort();
      await watching;
      holder.close();
      await proxy.close();
      ownTree?.close?.();
      await Deno.remove(stateDir, { recursive: true });
    },
  };
}

function overridesFor(options: TestProxyOptions): ResolveOverride[] {
  const { upstreams } = options;
  const to = (port: number, targetPort: number) => (host: string) => ({
    host,
    port,
    address: "127.0.0.1",
    targetPort,
  });
  return [
    ...(options.httpsHosts ?? ["api.github.com", "example.com"]).map(to(443, upstreams.httpsPort)),
    ...(options.httpHosts ?? ["plain.example.com"]).map(to(80, upstreams.httpPort)),
    ...(options.resolve ?? []),
  ];
}
