/**
 * A proxy for one sandbox, composed from the same flags as `tollgate proxy`: the policy file
 * (watched and hot-reloaded), the CA, the OCSF log, policy.local and the upstream overrides.
 *
 * @module
 */

import { join } from "node:path";
import { PolicyHolder, watchPolicyFile } from "../policy_holder.ts";
import { parseResolveOverride, type ProxyHandle, startProxy } from "../transport/mod.ts";
import { CertificateAuthority } from "../tls/mod.ts";
import { type OcsfEvent, OcsfLog } from "../ocsf/mod.ts";
import { createPolicyLocalApp, type ProposalSink } from "../policy_local/mod.ts";
import type { SandboxProxy } from "./sandbox_proxy.ts";

/** Options of {@linkcode startSandboxProxy}: the `proxy` command's flags, parsed. */
export interface SandboxProxyOptions {
  /** Policy name: the file is `POLICIES/NAME.yaml`. */
  policy: string;
  /** The policy directory. */
  policiesDir: string;
  /** Tollgate's state directory (CA, logs). */
  stateDir: string;
  /** `HOST:PORT:ADDR` overrides, as curl's `--resolve`. */
  resolve?: string[];
  /** PEM files of extra CAs trusted for upstream TLS. */
  upstreamCaFiles?: string[];
  /** The skill file served at `/v1/skill` and named in deny bodies. */
  skillPath: string;
  /** Where proposals go (the gateway client); without it proposal routes answer 503. */
  sink?: ProposalSink;
  /** The CA, when the caller has loaded it already; else loaded from `stateDir`. */
  ca?: CertificateAuthority;
  /** Every decision and config event, besides the OCSF log. */
  onEvent?: (event: OcsfEvent) => void;
}

/** A started sandbox proxy; `close()` also stops its policy watcher. */
export interface SandboxProxyStack extends SandboxProxy {
  /** The proxy itself. */
  proxy: ProxyHandle;
  /** The CA it intercepts TLS with. */
  ca: CertificateAuthority;
}

/**
 * Load the CA and the policy, start watching the policy file, open the OCSF log, and start a
 * loopback proxy serving policy.local.
 *
 * @throws {Error} When the policy file is missing or invalid, or a flag is malformed.
 *
 * @example
 * ```ts ignore
 * const stack = await startSandboxProxy({
 *   policy: "demo", policiesDir: "policies", stateDir: ".tollgate", skillPath,
 * });
 * await stack.close();
 * ```
 */
export async function startSandboxProxy(options: SandboxProxyOptions): Promise<SandboxProxyStack> {
  const resolve = (options.resolve ?? []).map(parseResolveOverride);
  const upstreamCa = await Promise.all(
    (options.upstreamCaFiles ?? []).map((file) => Deno.readTextFile(file)),
  );
  const ca = options.ca ?? await CertificateAuthority.loadOrCreate(options.stateDir);
  const file = join(options.policiesDir, `${options.policy}.yaml`);
  const holder = await PolicyHolder.load(options.policy, file);
  const logDir = join(options.stateDir, "logs");
  const log = new OcsfLog(logDir);
  const onEvent = (event: OcsfEvent) => {
    void log.append(event).catch(() => {});
    options.onEvent?.(event);
  };
  const app = createPolicyLocalApp({
    sandbox: options.policy,
    policy: holder,
    sink: options.sink,
    logDir,
    skill: () => Deno.readTextFile(options.skillPath),
    emit: onEvent,
  });
  const proxy = await startProxy({
    listen: { hostname: "127.0.0.1", port: 0 },
    holder,
    ca,
    resolve,
    upstreamCa,
    policyLocal: (request) => Promise.resolve(app.fetch(request)),
    onEvent,
    skillPath: options.skillPath,
  });
  const stopWatching = new AbortController();
  const watching = watchPolicyFile(holder, file, { signal: stopWatching.signal, onEvent });
  return {
    proxy,
    ca,
    port: proxy.port,
    hostname: proxy.hostname,
    serveConnection: (conn, identity) => proxy.serveConnection(conn, identity),
    async close() {
      stopWatching.abort();
      await watching;
      await proxy.close();
    },
  };
}
