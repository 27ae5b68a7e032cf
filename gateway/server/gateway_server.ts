/**
 * The gateway process: the HTTP API on a loopback address, the proposal store of one
 * policies directory, the directory watch that turns every change (its own approvals, the
 * CLI, `git am`, `git pull`) into pushed events, and the OCSF log in `STATE/logs`.
 *
 * @module
 */

import { join } from "node:path";
import { OcsfLog } from "../../proxy/ocsf/mod.ts";
import { parseListen } from "../../proxy/policy/mod.ts";
import { DirectoryWatcher, type DirectoryWatcherOptions } from "../events/mod.ts";
import { EventHub } from "../events/mod.ts";
import { createGatewayApp } from "./gateway_app.ts";
import { CredentialStore } from "../credentials/mod.ts";
import { ensureGatewayToken, gatewayFence } from "../client/mod.ts";
import { ensureStateDirs } from "../proposals/mod.ts";
import { ProposalStore } from "../store/mod.ts";
import { ceilingPath, refuseOutsideCeiling } from "../authority/mod.ts";
import { InboxSessions } from "../inbox/mod.ts";
import { startNotifier } from "../notify/mod.ts";
import { openRemote, type RemoteOptions } from "../remote/mod.ts";
import { PolicyCache } from "../repo/mod.ts";
import { earliestExpiry, LeaseSweeper, listLeases } from "../automation/mod.ts";
import { gatewayHosts, guardHost } from "./host_guard.ts";

/** Options of `startGateway`. */
export interface GatewayOptions {
  /** The policies directory served. */
  policiesDir: string;
  /** State directory: enrolment token file, `credentials/` and `logs/`. */
  stateDir: string;
  /** `HOST:PORT` on a loopback address (`127.0.0.1:0` picks a free port). */
  listen: string;
  /** Ping period of event streams, in ms. */
  pingMs?: number;
  /** The org ceiling file (default `ceiling.yaml` in the policies directory). */
  ceilingFile?: string;
  /** Hook URLs POSTed each `proposal.created` and `proposal.decided` (`--notify`). */
  notify?: string[];
  /** The address reviewers reach the gateway at (links in notifications); its own by default. */
  publicUrl?: string;
  /**
   * Where the gateway reports a problem that is not an answer, one line each: a failed
   * notification, OCSF events not written (at most once per 10 s), an internal error.
   */
  log?: (line: string) => void;
  /** Serve HTTPS with this certificate chain and key (PEM text). */
  tls?: { cert: string; key: string };
  /** Listen on a non-loopback address (a team's gateway; use `tls` or a reverse proxy). */
  allowRemote?: boolean;
  /** Share the policy repository through this Git remote (see `gateway/remote/`). */
  remote?: RemoteOptions;
  /** The clock leases end by, epoch ms (`Date.now` by default; a test moves its own). */
  now?: () => number;
}

/** A running gateway. */
export interface RunningGateway {
  /** The port listened on. */
  port: number;
  /** Base URL, e.g. `http://127.0.0.1:8080`. */
  url: string;
  /** The host's enrolment token (`STATE/gateway.token`): it may only enrol and retire proxies. */
  token: string;
  /**
   * Proxy and reviewer credentials (`STATE/credentials/`).
   *
   * @internal
   */
  credentials: CredentialStore;
  /** The store the API acts through. */
  store: ProposalStore;
  /** With a remote and a notify address: the URL for the remote's `post-receive` hook. */
  hookUrl?: string;
  /** Stop serving, end event streams, stop watching. */
  close(): Promise<void>;
}

/** The gateway's listen address: loopback unless `allowRemote` (the CLI asks for TLS then). */
function listenAddress(listen: string, allowRemote = false): { hostname: string; port: number } {
  const { hostname, port, loopback } = parseListen(listen);
  if (!allowRemote && !loopback) {
    throw new TypeError(
      `Refusing to listen on "${hostname}": the gateway listens on loopback only`,
    );
  }
  return { hostname, port };
}

/**
 * Start a gateway.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { GatewayClient, startGateway } from "../mod.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.mkdir(`${dir}/policies`);
 * await Deno.writeTextFile(`${dir}/policies/team.yaml`, "version: 1\n");
 * await new Deno.Command("git", { args: ["init", "-q", `${dir}/policies`] }).output();
 * const gw = await startGateway({
 *   policiesDir: `${dir}/policies`,
 *   stateDir: `${dir}/state`,
 *   listen: "127.0.0.1:0",
 * });
 * // The host's enrolment token (STATE/gateway.token) enrols a proxy for one policy.
 * const enrolled = await new GatewayClient({ url: gw.url, token: gw.token }).enrol("team");
 * assert(enrolled.token.length > 0 && enrolled.sandbox.length > 0);
 * await gw.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  const { hostname, port } = listenAddress(options.listen, options.allowRemote);
  const { policiesDir } = options;
  const token = await ensureGatewayToken(options.stateDir);
  // A write that fails (a full disk) is counted, reported, and shown at GET /v1/status.
  const log = new OcsfLog(join(options.stateDir, "logs"), { onTrouble: options.log });
  const emit = (event: Parameters<OcsfLog["append"]>[0]) => void log.append(event).catch(() => {});
  const hub = new EventHub();
  // One cache for the store and the watch: each policy text is parsed once, by whoever is first.
  const policyCache = new PolicyCache();
  const now = options.now ?? Date.now;
  const storeOptions = {
    policiesDir,
    emit,
    ceilingFile: options.ceilingFile,
    policyCache,
    now: () => new Date(now()),
  };
  const ceilingFile = ceilingPath(policiesDir, options.ceilingFile);
  const watcherOptions: DirectoryWatcherOptions = {
    policiesDir,
    hub,
    emit,
    // A sandbox policy that already exceeds the org ceiling is never served.
    refuse: (policy) => refuseOutsideCeiling(ceilingFile, policy),
    load: (text, file) => policyCache.load(text, file),
  };
  // With a remote the directory may be a clone still to make: it exists after openRemote.
  const remote = options.remote &&
    await openRemote(options.remote, { store: storeOptions, watcher: watcherOptions });
  await Deno.stat(policiesDir);
  await ensureStateDirs(policiesDir);
  const store = remote?.store ?? new ProposalStore(storeOptions);
  const watcher = remote?.watcher ?? new DirectoryWatcher(watcherOptions);
  await watcher.start();
  await remote?.start();
  // Expired scoped rules leave the files with a commit: now, then at each next expiry.
  const sweeper = new LeaseSweeper({
    sweep: () => store.removeEnded({ kind: "expired" }),
    nextExpiry: async () => earliestExpiry(await listLeases(policiesDir, now())),
    now,
    onError: (error) => options.log?.(`lease clean-up failed: ${(error as Error).message}`),
  });
  await sweeper.start();
  // The store's own changes are pushed at once, without waiting for the file watch; a policy
  // the store just wrote comes with its text, so nothing is re-read before the push.
  const unsubscribe = store.subscribe((change) => {
    if (change.kind === "policy" && change.text !== undefined) {
      const { name, text, revision, hash, policy, added } = change;
      watcher.offer({ name, text, revision, hash, policy, ...added && { added } });
    } else void watcher.rescan();
  });
  // A policy changed outside tollgate (`git am` of a pending patch): settle that proposal.
  let settling: Promise<unknown> = Promise.resolve();
  const settle = hub.subscribe((event) => {
    if (event.type !== "policy.updated") return;
    sweeper.rearm();
    settling = settling.then(() => store.recover()).catch(() => {});
  });
  const controller = new AbortController();
  const credentials = new CredentialStore(options.stateDir);
  // A remote on this machine is fenced too: a commit pushed there is served by every gateway.
  const fence = await gatewayFence(policiesDir, options.stateDir, ceilingFile, options.remote?.url);
  const app = createGatewayApp({
    store,
    watcher,
    hub,
    token,
    credentials,
    fence,
    pingMs: options.pingMs,
    closing: controller.signal,
    report: options.log,
    auditDropped: () => log.dropped,
    inbox: {
      sessions: new InboxSessions(),
      logDir: join(options.stateDir, "logs"),
      // Behind a TLS-terminating reverse proxy the gateway itself sees plain HTTP.
      secureCookie: options.publicUrl?.startsWith("https:") ?? false,
    },
  });
  let server: Deno.HttpServer<Deno.NetAddr>;
  // Known once listening (port 0): nothing is served before Deno.serve returns.
  let hosts: ReadonlySet<string> = new Set();
  try {
    server = Deno.serve(
      { hostname, port, signal: controller.signal, onListen: () => {}, ...options.tls },
      guardHost(() => hosts, app.fetch),
    );
  } catch (error) {
    // A busy port or a bad certificate: nothing started may outlive the failure.
    unsubscribe();
    settle.unsubscribe();
    hub.close();
    await remote?.close();
    await sweeper.close();
    await watcher.close();
    throw error;
  }
  const { publicUrl } = options;
  hosts = gatewayHosts({ hostname, port: server.addr.port, cert: options.tls?.cert, publicUrl });
  const host = hostname.includes(":") ? `[${hostname}]` : hostname;
  const scheme = options.tls ? "https" : "http";
  const notifier = startNotifier({
    urls: options.notify ?? [],
    hub,
    lookup: (id) => store.get(id),
    inboxUrl: options.publicUrl ?? `${scheme}://${host}:${server.addr.port}`,
    log: options.log ?? (() => {}),
  });
  return {
    port: server.addr.port,
    url: `${scheme}://${host}:${server.addr.port}`,
    token,
    credentials,
    store,
    hookUrl: remote?.hookUrl,
    close: async () => {
      // The sweeper first: a sweep publishes through the remote, which closes next.
      await sweeper.close();
      await remote?.close();
      unsubscribe();
      settle.unsubscribe();
      await notifier.close();
      hub.close();
      controller.abort();
      await server.finished;
      await settling;
      await watcher.close();
    },
  };
}
