/**
 * What every handler of one proxy shares: the policy in force, the CA, the upstream pool,
 * the destination resolver, timers and the event sink.
 *
 * @module
 */

import type { Duplex } from "node:stream";
import type { OcsfEvent } from "../../ocsf/mod.ts";
import type { LivePolicy } from "./live_policy.ts";
import type { CertificateAuthority, DenialContexts } from "../../tls/mod.ts";
import type { DestinationResolver } from "../../upstream/mod.ts";
import type { UpstreamPool } from "../../upstream/mod.ts";
import type { LaneTally, SlotSource } from "../../upstream/mod.ts";
import type { ReadBuffers } from "./read_buffers.ts";
import type { BodyBudget } from "../../wire/mod.ts";
import type { AnswerBudget } from "./answer_budget.ts";
import type { PolicyLocalAnswers } from "./policy_local_answers.ts";
import type { InflateWorker } from "../../body_scan/mod.ts";
import type { AuditPace } from "../../rate/mod.ts";

/** Shared state of one running proxy (one instance per `startProxy()`). */
export interface ProxyContext {
  /** The policy in force. */
  holder: LivePolicy;
  /** Mints the leaves of intercepted tunnels. */
  ca: CertificateAuthority;
  /** Leaves for denials told in-band: cached apart from `ca`'s and rationed. */
  denialContexts: DenialContexts;
  /** Kept-alive upstream connections. */
  pool: UpstreamPool;
  /** Resolves and pins destinations (the SSRF guard). */
  destinations: DestinationResolver;
  /** Serves `http://policy.local/...`; absent means 503. */
  policyLocal?: (request: Request) => Promise<Response>;
  /**
   * Receives one OCSF event per decision; the promise, when there is one, settles once the
   * event is on record (it never rejects).
   */
  emit(event: OcsfEvent): Promise<void> | undefined;
  /**
   * The pace of the sandbox's audit log: each decision's event spends its bytes, and one that
   * finds it spent waits (see `audit_pace.ts`); absent means no pace.
   */
  auditPace?: AuditPace;
  /** Skill path named in deny bodies. */
  skillPath: string;
  /** A request head must arrive within this long once it started. */
  headTimeoutMs: number;
  /** A kept-alive client connection may stay idle this long between requests. */
  idleTimeoutMs: number;
  /** Upstream must start its response within this long. */
  upstreamTimeoutMs: number;
  /** Connecting upstream may take this long. */
  connectTimeoutMs: number;
  /** A policy.local request body must arrive whole within this long. */
  policyLocalBodyTimeoutMs: number;
  /** Register a socket so `close()` can end it. */
  track(socket: Duplex): void;
  /** The blind tunnel's read buffers, reused from one tunnel to the next. */
  readBuffers: ReadBuffers;
  /** The bytes every request body held whole in memory shares (see `body_budget.ts`). */
  bodyBudget: BodyBudget;
  /** The bytes answers held for HTTP/2 clients share (see `answer_budget.ts`). */
  answerBudget: AnswerBudget;
  /** The policy.local answers waiting for clients that have not read them. */
  policyLocalAnswers: PolicyLocalAnswers;
  /**
   * A slot of the connection cap for an upstream connection a client holds beyond its own
   * (see `upstream_lanes.ts`); absent means no cap.
   */
  connectionSlot?: SlotSource;
  /** HTTP/2 streams waiting for an upstream lane, over every session (see `upstream_lanes.ts`). */
  laneTally?: LaneTally;
  /**
   * Inflates and scans compressed form and JSON bodies off the event loop; absent (a bare
   * test context), they are read on it.
   */
  inflateWorker?: InflateWorker;
  /** The clock leases end by, epoch ms; absent, `Date.now`. */
  now?: () => number;
  // h2_side.ts adds `loadH2Side`: its type names ClientConnection, which names this interface.
}

/** Largest request head, bytes (431 beyond). */
export const MAX_HEAD_BYTES = 8 * 1024;
/** Largest response head from upstream, bytes (502 beyond). */
export const MAX_RESPONSE_HEAD_BYTES = 64 * 1024;
/** Largest chunked request body buffered for validation, bytes (413 beyond). */
export const MAX_CHUNKED_BODY_BYTES = 16 * 1024 * 1024;
/**
 * Client connections served at once (503 beyond). Each may hold an upstream connection too,
 * so this stays well under the usual 1,024 open-file limit: a sandbox that opens connections
 * without end gets a clear refusal instead of starving the proxy of file descriptors.
 */
export const MAX_CLIENT_CONNECTIONS = 512;
/** Largest request body passed to policy.local, bytes (413 beyond). */
export const MAX_POLICY_LOCAL_BODY_BYTES = 1024 * 1024;
