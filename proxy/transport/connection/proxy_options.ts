/**
 * `ProxyOptions`, what `startProxy()` takes, and the per-proxy context built from them.
 *
 * @module
 */

import type { Duplex } from "node:stream";
import type { OcsfEvent } from "../../ocsf/mod.ts";
import { POLICY_LOCAL_LIMITS } from "../../policy_local/mod.ts";
import type { LivePolicy } from "./live_policy.ts";
import type { IdentityResolver } from "../../identity/mod.ts";
import {
  type CertificateAuthority,
  DenialContexts,
  type DenialContextsOptions,
} from "../../tls/mod.ts";
import { DestinationResolver, type ResolveOverride } from "../../upstream/mod.ts";
import type { ProxyContext } from "./proxy_context.ts";
import { UpstreamPool } from "../../upstream/mod.ts";
import { ReadBuffers } from "./read_buffers.ts";
import { AnswerBudget } from "./answer_budget.ts";
import { PolicyLocalAnswers } from "./policy_local_answers.ts";
import { BodyBudget } from "../../wire/mod.ts";
import { InflateWorker, type InflateWorkerOptions } from "../../body_scan/mod.ts";
import type { LoadH2Side } from "./h2_side.ts";
import { AuditPace, type AuditPaceOptions } from "../../rate/mod.ts";

/** Options of `startProxy()`. */
export interface ProxyOptions {
  /** Where to listen; port 0 picks a free port. */
  listen: { hostname: string; port: number };
  /** The policy in force (swapped on reload). */
  holder: LivePolicy;
  /** Mints the leaf certificates for intercepted hosts. */
  ca: CertificateAuthority;
  /** Operator-trusted address overrides (they bypass the SSRF guard). */
  resolve?: ResolveOverride[];
  /** Extra CAs (PEM texts) trusted for upstream TLS besides the default roots. */
  upstreamCa?: string[];
  /** Serves `http://policy.local/...`. */
  policyLocal?: (request: Request) => Promise<Response>;
  /**
   * Receives one OCSF event per decision. When it returns a promise, a denial is answered
   * only once that promise settles: the agent never hears of a denial that
   * `/v1/denials` cannot show yet.
   */
  onEvent?: (event: OcsfEvent) => void | Promise<void>;
  /** Who is behind a TCP connection; the `/proc` resolver by default. */
  identity?: IdentityResolver;
  /** Every address of a host name; the system's resolver by default (tests stand in one). */
  lookup?: (host: string) => Promise<string[]>;
  /**
   * Few clients or none are expected on the listener (a netns sandbox's proxy: its command comes
   * through the bridge): the default resolver's host-wide scan starts at its first lookup, not
   * now (`new Worker` held each sandbox start 30-60 ms). See `ProcIdentityOptions.lazyScan`.
   */
  listenerIdle?: boolean;
  /** Skill path named in deny bodies. */
  skillPath: string;
  /** Slow-client limit for a request head (default 15 s). */
  headTimeoutMs?: number;
  /** Idle limit between requests on a kept-alive connection (default 60 s). */
  idleTimeoutMs?: number;
  /** Upstream must start answering within this long (default 60 s). */
  upstreamTimeoutMs?: number;
  /** Connecting upstream may take this long (default 10 s). */
  connectTimeoutMs?: number;
  /** A policy.local request body must arrive whole within this long (default 15 s). */
  policyLocalBodyTimeoutMs?: number;
  /** Allow a non-loopback listen address. */
  allowRemote?: boolean;
  /**
   * Client connections served at once; more are answered 503 and closed (default 512). It is
   * lowered to what the process's open-file limit allows (two descriptors per connection).
   */
  maxConnections?: number;
  /** The soft open-file limit to size the connection cap by; read from `/proc` by default. */
  descriptorLimit?: number;
  /** Hears of listener trouble (out of descriptors, listening again), at most once per 10 s. */
  onTrouble?: (message: string) => void;
  /** The clock leases end by, epoch ms (`Date.now` by default; a test moves its own). */
  now?: () => number;
  /** The budget of leaves minted to tell L4 denials in-band (10 a second, 20 at once). */
  denialMints?: DenialContextsOptions;
  /**
   * Bytes all request bodies held whole in memory may take together (default 128 MiB): a body
   * that finds no room waits, unread, up to `bodyBudgetWaitMs` (default 10 s), then is answered
   * 503 `too_many_bodies` with `Retry-After`. At least 16 MiB, the largest single body.
   */
  bodyBudgetBytes?: number;
  /** Longest wait of a request body for room in the budget (default 10 s). */
  bodyBudgetWaitMs?: number;
  /**
   * Bytes answers on their way to HTTP/2 clients may hold together (default 64 MiB), beyond
   * each session's first stream: an answer stream that finds no room waits, its request not
   * sent, up to `answerBudgetWaitMs` (default 10 s), then is refused with RST_STREAM
   * REFUSED_STREAM. Each session's answers hold at most 4 MiB (`answer_budget.ts`).
   */
  answerBudgetBytes?: number;
  /** Longest wait of an answer stream for room in the answer budget (default 10 s). */
  answerBudgetWaitMs?: number;
  /**
   * Bytes of policy.local answers their clients have not read that the proxy may hold
   * (default 16 MiB); past it, the oldest waiting answer's connection closes.
   */
  policyLocalAnswerBudgetBytes?: number;
  /** A client must take each policy.local answer within this long, or it is closed (15 s). */
  policyLocalAnswerTimeoutMs?: number;
  /**
   * The pace of this proxy's audit log: the log bytes its decisions may write per second and at
   * once (`sandbox run` gives its proxy `DEFAULT_AUDIT_PACE`). Past it, the next decision waits
   * until the proxy is back within it; no event is dropped. Absent: no pace (a proxy shared by
   * several clients, where one spending the pace would make the others wait).
   */
  auditPace?: AuditPaceOptions;
  /** The inflate worker's module (tests give a failing one). */
  inflateWorker?: InflateWorkerOptions;
  /**
   * Loads the HTTP/2 side of interception (`h2/mod.ts`'s `loadH2Side`, which the composition
   * passes in: the transport stands below `h2/`); absent, interception offers HTTP/1.1 alone.
   *
   * @internal
   */
  loadH2Side?: LoadH2Side;
}

const defaults = {
  headTimeoutMs: 15_000,
  idleTimeoutMs: 60_000,
  upstreamTimeoutMs: 60_000,
  connectTimeoutMs: 10_000,
} satisfies Partial<ProxyOptions>;

/** The context every connection of one proxy shares, built from its options. */
export function createContext(
  options: ProxyOptions,
  track: (socket: Duplex) => void,
  idleRoom?: () => number,
): ProxyContext {
  const connectTimeoutMs = options.connectTimeoutMs ?? defaults.connectTimeoutMs;
  return {
    holder: options.holder,
    ca: options.ca,
    denialContexts: new DenialContexts(options.ca, options.denialMints),
    pool: new UpstreamPool({ upstreamCa: options.upstreamCa, connectTimeoutMs, track, idleRoom }),
    destinations: new DestinationResolver(options.resolve, { lookup: options.lookup }),
    policyLocal: options.policyLocal,
    emit(event) {
      try {
        const recorded = options.onEvent?.(event);
        return recorded instanceof Promise ? recorded.catch(() => {}) : undefined;
      } catch {
        // A failing log sink must not break enforcement.
        return undefined;
      }
    },
    ...auditPace(options.auditPace),
    skillPath: options.skillPath,
    headTimeoutMs: options.headTimeoutMs ?? defaults.headTimeoutMs,
    idleTimeoutMs: options.idleTimeoutMs ?? defaults.idleTimeoutMs,
    upstreamTimeoutMs: options.upstreamTimeoutMs ?? defaults.upstreamTimeoutMs,
    connectTimeoutMs,
    policyLocalBodyTimeoutMs: options.policyLocalBodyTimeoutMs ??
      POLICY_LOCAL_LIMITS.bodyReadTimeoutMs,
    track,
    readBuffers: new ReadBuffers(),
    bodyBudget: new BodyBudget({
      limitBytes: options.bodyBudgetBytes,
      waitMs: options.bodyBudgetWaitMs,
    }),
    answerBudget: new AnswerBudget({
      limitBytes: options.answerBudgetBytes,
      waitMs: options.answerBudgetWaitMs,
    }),
    policyLocalAnswers: new PolicyLocalAnswers({
      limitBytes: options.policyLocalAnswerBudgetBytes,
      timeoutMs: options.policyLocalAnswerTimeoutMs,
    }),
    inflateWorker: new InflateWorker(options.inflateWorker),
    loadH2Side: options.loadH2Side,
    now: options.now,
  };
}

function auditPace(options: AuditPaceOptions | undefined): { auditPace?: AuditPace } {
  return options === undefined ? {} : { auditPace: new AuditPace(options) };
}
