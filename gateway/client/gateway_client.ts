/**
 * The gateway's HTTP client: a `ProposalSink` for a proxy's policy.local (submit, status,
 * wait), the reviewer operations, the policy fetch, and the event stream.
 *
 * @module
 */

import type {
  ProposalInput,
  ProposalSink,
  ProposalStatus,
  SubmitResult,
} from "../../proxy/policy_local/mod.ts";
import type {
  ApproveResult,
  CeilingCheck,
  Enrolment,
  LeaseEntry,
  PublishedPolicy,
  RejectOptions,
  RuleRemoval,
} from "./gateway_wire.ts";
import * as r from "./gateway_routes.ts";
import { readServerSentEvents, type ServerSentEvent } from "./server_sent_events.ts";

/** Options of a `GatewayClient`. */
export interface GatewayClientOptions {
  /** Base URL, e.g. `http://127.0.0.1:8080`. */
  url: string;
  /**
   * Bearer token: a proxy credential (submit, status, wait, policy, events), a reviewer's
   * (list, approve, reject), or the host's enrolment token (`enrol` only).
   */
  token: string;
  /** Seconds one long-poll request of `wait()` lasts. */
  waitSeconds?: number;
}

/** A non-2xx answer from the gateway. */
export class GatewayError extends Error {
  /** Error name. */
  override name = "GatewayError";
  /** HTTP status. */
  readonly status: number;
  /**
   * An error for a gateway answer.
   *
   * @param status HTTP status
   * @param message one-line description
   */
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/**
 * Client of one gateway.
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
 * // The host's enrolment token enrols a proxy; the proxy's own token submits.
 * const { token } = await new GatewayClient({ url: gw.url, token: gw.token }).enrol("team");
 * const client = new GatewayClient({ url: gw.url, token });
 * const rule = {
 *   endpoints: [{ host: "api.github.com", port: 443 }],
 *   binaries: [{ path: "/usr/bin/curl" }],
 * };
 * const result = await client.submit({ policy: "team", ruleName: "github", rule, rationale: "r" });
 * assert(result.accepted);
 * assert.equal((await client.status(result.proposal.id))?.status, "pending");
 * await gw.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class GatewayClient implements ProposalSink {
  readonly #base: string;
  readonly #token: string;
  readonly #waitSeconds: number;

  /**
   * A client of the gateway at `options.url`.
   *
   * @param options base URL, token, long-poll length
   */
  constructor(options: GatewayClientOptions) {
    this.#base = options.url.replace(/\/+$/, "");
    this.#token = options.token;
    this.#waitSeconds = options.waitSeconds ?? 60;
  }

  /** Submit a proposal (the gateway runs the checks). */
  async submit(input: ProposalInput): Promise<SubmitResult> {
    return await this.#json("POST", r.ROUTE_PROPOSALS, input) as SubmitResult;
  }

  /** A proposal's state; undefined for an unknown id. */
  async status(id: string): Promise<ProposalStatus | undefined> {
    return await this.#json("GET", r.fillRoute(r.ROUTE_PROPOSAL, { id }), undefined, true) as
      | ProposalStatus
      | undefined;
  }

  /** Long-poll until the proposal is decided, or return its pending state when `signal` aborts. */
  async wait(id: string, signal: AbortSignal): Promise<ProposalStatus | undefined> {
    const path = `${r.fillRoute(r.ROUTE_PROPOSAL_WAIT, { id })}?timeout=${this.#waitSeconds}`;
    while (!signal.aborted) {
      try {
        const status = await this.#json("GET", path, undefined, true, signal) as
          | (ProposalStatus & { timed_out?: boolean })
          | undefined;
        if (!status || status.status !== "pending") return status && withoutTimedOut(status);
      } catch (error) {
        if (!signal.aborted) throw error;
      }
    }
    return await this.status(id);
  }

  /** Every proposal (optionally of one state), as the CLI's `--json` shows them. */
  async list(status?: string): Promise<Record<string, unknown>[]> {
    const query = status ? `?status=${encodeURIComponent(status)}` : "";
    const body = await this.#json("GET", `${r.ROUTE_PROPOSALS}${query}`) as { proposals: [] };
    return body.proposals;
  }

  /**
   * Approve a proposal (reviewer credential; `Approved-By` is the credential's owner), durable
   * or with a scope (`{scope: "lease", for: "2h"}`).
   */
  async approve(id: string, scope: { scope?: string; for?: string } = {}): Promise<ApproveResult> {
    const path = r.fillRoute(r.ROUTE_PROPOSAL_APPROVE, { id });
    return await this.#json("POST", path, scope) as ApproveResult;
  }

  /** The scoped rules this credential may see (a proxy: its own policy's). */
  async leases(policy?: string): Promise<LeaseEntry[]> {
    const query = policy ? `?policy=${encodeURIComponent(policy)}` : "";
    return (await this.#json("GET", r.ROUTE_LEASES + query) as { leases: LeaseEntry[] }).leases;
  }

  /** Revoke a scoped rule now (reviewer credential): removed with a commit. */
  async revokeLease(rule: string, policy?: string): Promise<RuleRemoval[]> {
    const path = r.fillRoute(r.ROUTE_LEASE_REVOKE, { rule });
    return (await this.#json("POST", path, { policy }) as { removed: RuleRemoval[] }).removed;
  }

  /** Report that this proxy's once-scoped rule `rule` (of that expiry) allowed its request. */
  async onceUsed(rule: string, expiresAt?: number): Promise<void> {
    const expires = expiresAt === undefined ? undefined : new Date(expiresAt).toISOString();
    await this.#json("POST", r.fillRoute(r.ROUTE_LEASE_USED, { rule }), { expires });
  }

  /** Whether policies fit the org ceiling (reviewer credential). */
  async ceilingCheck(policy?: string): Promise<CeilingCheck> {
    const query = policy ? `?policy=${encodeURIComponent(policy)}` : "";
    return await this.#json("GET", r.ROUTE_CEILING_CHECK + query) as CeilingCheck;
  }

  /** Reject a proposal with a reason (and guidance), as the reviewer credential's owner. */
  async reject(id: string, options: Omit<RejectOptions, "rejectedBy">): Promise<void> {
    const body = { reason: options.reason, guidance: options.guidance };
    await this.#json("POST", r.fillRoute(r.ROUTE_PROPOSAL_REJECT, { id }), body);
  }

  /**
   * Enrol a sandbox (host enrolment token): its proxy credential, for `policy` only. A new
   * sandbox, or `sandbox`, the id a proxy already has (minted with the same host token).
   */
  async enrol(policy: string, sandbox?: string): Promise<Enrolment> {
    return await this.#json("POST", r.ROUTE_SANDBOXES, { policy, sandbox }) as Enrolment;
  }

  /**
   * Retire a sandbox's proxy credential (the proxy's own, when it stops; or, with the host's
   * token, a sandbox whose runner died) until `signal` aborts.
   */
  async retire(sandbox: string, signal?: AbortSignal): Promise<void> {
    const path = r.fillRoute(r.ROUTE_SANDBOX, { sandbox });
    await this.#json("DELETE", path, undefined, true, signal);
  }

  /** A policy's current text, revision and hash; undefined when the gateway has no such policy. */
  async policy(name: string, signal?: AbortSignal): Promise<PublishedPolicy | undefined> {
    const path = r.fillRoute(r.ROUTE_POLICY, { name });
    return await this.#json("GET", path, undefined, true, signal) as PublishedPolicy | undefined;
  }

  /** The event stream, until `signal` aborts or the connection ends. */
  async *events(signal: AbortSignal): AsyncGenerator<ServerSentEvent> {
    const response = await fetch(this.#base + r.ROUTE_EVENTS, { headers: this.#headers(), signal });
    if (!response.ok || !response.body) {
      await response.body?.cancel();
      throw new GatewayError(
        response.status,
        `Gateway event stream failed with ${response.status}`,
      );
    }
    yield* readServerSentEvents(response.body, signal);
  }

  #headers(): Record<string, string> {
    return { authorization: `Bearer ${this.#token}`, "content-type": "application/json" };
  }

  async #json(
    method: string,
    path: string,
    body?: unknown,
    allow404 = false,
    signal?: AbortSignal,
  ): Promise<unknown> {
    const response = await fetch(this.#base + path, {
      method,
      headers: this.#headers(),
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
    const payload = await response.json().catch(() => undefined) as
      | { detail?: string; error?: string }
      | undefined;
    if (response.status === 404 && allow404) return undefined;
    if (!response.ok) {
      const detail = payload?.detail ?? payload?.error ?? response.statusText;
      throw new GatewayError(response.status, `Gateway answered ${response.status}: ${detail}`);
    }
    return payload;
  }
}

function withoutTimedOut(status: ProposalStatus & { timed_out?: boolean }): ProposalStatus {
  const { timed_out: _, ...rest } = status;
  return rest;
}
