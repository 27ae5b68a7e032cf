/**
 * One proxy for one sandbox policy, composed: CA, policy (from its file, watched, or from a
 * feed such as a gateway's push), OCSF log, policy.local and the listener. `tollgate proxy`,
 * `tollgate up` and `tollgate sandbox run` all start it through here.
 *
 * @module
 */

import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Duplex } from "node:stream";
import { changesOnly, PolicyHolder, reloadFromText, watchPolicyFile } from "./holder/mod.ts";
import { parseResolveOverride, type ProxyHandle, startProxy } from "./start_proxy.ts";
import { CertificateAuthority } from "./tls/mod.ts";
import { configEvent, DEFAULT_LOG_BUDGET_BYTES, type OcsfEvent } from "./ocsf/mod.ts";
import { openSandboxLog } from "./_sandbox_log.ts";
import type { RequesterIdentity } from "./policy/mod.ts";
import type { IdentityResolver } from "./identity/mod.ts";
import type { AuditPaceOptions } from "./rate/mod.ts";
import { policyLocalHandler, type ProposalSink } from "./policy_local/mod.ts";

/** The skill shipped with Tollgate (served at /v1/skill, named in deny bodies). */
export const DEFAULT_SKILL_PATH: string = fileURLToPath(
  new URL("../skills/policy_advisor.md", import.meta.url),
);

/** A policy source other than the file: the first text, then every change (a gateway push). */
export interface PolicyFeed {
  /** The current policy text; throws when it cannot be had. */
  initial(): Promise<string>;
  /**
   * Deliver each later text until `signal` aborts, then resolve; with the policy's JSON document
   * when the push carried one (validated instead of parsing the YAML), and the text's UTF-8 bytes
   * when the feed has them (moved to the load worker instead of encoding the text again).
   */
  follow(
    onText: (text: string, json?: string, utf8?: Uint8Array<ArrayBuffer>[]) => void,
    signal: AbortSignal,
  ): Promise<void>;
}

/** Options of {@linkcode startProxyService}, with paths already resolved. */
export interface ProxyServiceOptions {
  /** Few clients or none come to the listener (`ProxyOptions.listenerIdle`). */
  listenerIdle?: boolean;
  /** Policy name: the file is `policiesDir/NAME.yaml` (or the feed's policy of that name). */
  policy: string;
  /** Directory of the policy files (`NAME.yaml`, watched unless a `feed` is given). */
  policiesDir: string;
  /** Tollgate's state directory: `ca/` and `logs/`. */
  stateDir: string;
  /** Listen address; loopback port 0 by default. */
  listen?: { hostname: string; port: number };
  /** Allow a non-loopback listen address (otherwise `startProxyService` throws). */
  allowRemote?: boolean;
  /** Client connections served at once; more are answered 503 (the proxy's default otherwise). */
  maxConnections?: number;
  /** `HOST:PORT:ADDR[:PORT]` overrides (operator-trusted: they bypass the SSRF guard). */
  resolve?: string[];
  /** PEM files trusted for upstream TLS besides the default roots. */
  upstreamCaFiles?: string[];
  /** The skill file served at /v1/skill and named in deny bodies; the shipped one by default. */
  skillPath?: string;
  /** The skill's path as the sandboxed command sees it, named in `next_steps`; `skillPath` by default. */
  shownSkillPath?: string;
  /** Where policy.local sends proposals; without it the proposal routes answer 503. */
  sink?: ProposalSink;
  /**
   * This proxy's sandbox id (a gateway's enrolment gives one); a fresh `sb-…` by default.
   * Every event it logs carries it (`unmapped.sandbox`), its proposals are recorded under it,
   * and policy.local answers only for that sandbox's proposals and denials.
   */
  sandboxId?: string;
  /** The sandbox's working directory (`sandbox run`), named with each of its proposals. */
  workdir?: string;
  /**
   * Who asks, for each connection: the requesting process from /proc by default. The bench
   * injects a fixed identity to measure the proxy without the lookup.
   */
  identity?: IdentityResolver;
  /** Every address of a host name (`ProxyOptions.lookup`; the system's resolver by default). */
  lookup?: (host: string) => Promise<string[]>;
  /** The CA, when the caller has loaded it already. */
  ca?: CertificateAuthority;
  /** Where the policy comes from; the watched file by default. */
  feed?: PolicyFeed;
  /** Every decision and config event, besides the OCSF log. */
  onEvent?: (event: OcsfEvent) => void;
  /** Start the day's next OCSF log file past this size (256 MiB by default). */
  logMaxBytes?: number;
  /** Delete OCSF log files older than this many days (14 by default). */
  logKeepDays?: number;
  /** The log directory's byte budget (`OcsfLogOptions.budgetBytes`; 0 none; 4 GiB default). */
  logBudgetBytes?: number;
  /** The pace of this proxy's audit log (`ProxyOptions.auditPace`; absent, none). */
  auditPace?: AuditPaceOptions;
  /**
   * Hears operational trouble, one line at a time and at most once per 10 s per kind: log
   * events dropped (a full disk), the listener out of descriptors. Enforcement goes on.
   */
  report?: (message: string) => void;
}

/** A running proxy service. */
export interface ProxyService {
  /** The listening proxy underneath. @internal */
  proxy: ProxyHandle;
  /** The policy in force; reloads from the file or the feed swap it here. @internal */
  holder: PolicyHolder;
  /** The CA whose leaf certificates the proxy intercepts TLS with (clients must trust it). */
  ca: CertificateAuthority;
  /** The sandbox this proxy serves (see `ProxyServiceOptions.sandboxId`). */
  readonly sandboxId: string;
  /** The port the proxy listens on (the chosen one when port 0 was asked for). */
  readonly port: number;
  /** The address the proxy listens on. */
  readonly hostname: string;
  /** Serve a connection that arrived elsewhere (a sandbox bridge) with its identity. */
  serveConnection(conn: Duplex, identity: () => Promise<RequesterIdentity | Error>): void;
  /** Stop following the policy and close the proxy. */
  close(): Promise<void>;
}

/**
 * Start the proxy service and log CONFIG:LOADED for the policy it starts with.
 *
 * @throws {PolicyValidationError} When the policy file is missing or invalid.
 * @throws {RangeError} For a non-loopback listen address without `allowRemote`.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { startProxyService } from "./proxy_service.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.mkdir(`${dir}/policies`);
 * await Deno.writeTextFile(`${dir}/policies/demo.yaml`, "version: 1\n");
 * const service = await startProxyService({
 *   policy: "demo",
 *   policiesDir: `${dir}/policies`,
 *   stateDir: `${dir}/state`,
 *   listen: { hostname: "127.0.0.1", port: 0 },
 * });
 * // An empty policy allows nothing: the proxy answers with the structured 403.
 * const client = Deno.createHttpClient({ proxy: { url: `http://127.0.0.1:${service.port}` } });
 * const res = await fetch("http://example.com/", { client });
 * assert.equal(res.status, 403);
 * assert.equal((await res.json()).error, "policy_denied");
 * client.close();
 * await service.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function startProxyService(options: ProxyServiceOptions): Promise<ProxyService> {
  const resolve = (options.resolve ?? []).map(parseResolveOverride);
  const caFiles = options.upstreamCaFiles ?? [];
  const upstreamCa = await Promise.all(caFiles.map((f) => Deno.readTextFile(f)));
  const file = join(options.policiesDir, `${options.policy}.yaml`);
  const initial = options.feed ? await options.feed.initial() : undefined;
  const holder = initial !== undefined
    ? PolicyHolder.fromText(options.policy, file, initial)
    : await PolicyHolder.load(options.policy, file);
  const ca = options.ca ?? await CertificateAuthority.loadOrCreate(options.stateDir);
  const sandboxId = options.sandboxId ?? newSandboxId();
  holder.sandbox = sandboxId;
  const log = openSandboxLog({
    stateDir: options.stateDir,
    sandboxId,
    maxFileBytes: options.logMaxBytes,
    keepDays: options.logKeepDays,
    budgetBytes: options.logBudgetBytes ?? DEFAULT_LOG_BUDGET_BYTES,
    onTrouble: options.report,
    onEvent: options.onEvent,
  });
  const onEvent = log.emit;
  const { revision, hash } = holder.current();
  onEvent(configEvent("LOADED", "Policy loaded", { revision, hash, policy: options.policy }));
  const skillPath = options.skillPath ?? DEFAULT_SKILL_PATH;
  const app = policyLocalHandler({
    policyName: options.policy,
    sandboxId,
    ...(options.workdir === undefined ? {} : { workdir: options.workdir }),
    policy: holder,
    sink: options.sink,
    logDir: log.logDir,
    skill: () => Deno.readTextFile(skillPath),
    emit: onEvent,
  });
  const proxy = await startProxy({
    listen: options.listen ?? { hostname: "127.0.0.1", port: 0 },
    allowRemote: options.allowRemote,
    maxConnections: options.maxConnections,
    onTrouble: options.report,
    holder,
    ca,
    resolve,
    upstreamCa,
    policyLocal: app.fetch,
    onEvent,
    auditPace: options.auditPace,
    lookup: options.lookup,
    skillPath: options.shownSkillPath ?? skillPath,
    ...(options.identity ? { identity: options.identity } : { listenerIdle: options.listenerIdle }),
  }).catch(async (error) => {
    // A busy port: the log opened for CONFIG:LOADED must not outlive the failure.
    await log.close();
    throw error;
  });
  const stop = new AbortController();
  const following = options.feed
    ? options.feed.follow(
      changesOnly(initial, (text, json, utf8) => {
        void reloadFromText(holder, text, onEvent, { json, utf8 });
      }),
      stop.signal,
    )
    : watchPolicyFile(holder, file, { signal: stop.signal, onEvent });
  return {
    proxy,
    holder,
    ca,
    sandboxId,
    port: proxy.port,
    hostname: proxy.hostname,
    serveConnection: (conn, identity) => proxy.serveConnection(conn, identity),
    async close() {
      stop.abort();
      await following.catch(() => {});
      holder.close();
      await proxy.close();
      await log.close();
    },
  };
}

function newSandboxId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(6));
  return `sb-${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}
