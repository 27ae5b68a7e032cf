/**
 * One client connection as the request handlers see it: its byte stream, who is behind it
 * (resolved once, lazily) and the decisions made for it, each emitted as one OCSF event.
 *
 * @module
 */

import {
  type BodyInspection,
  bodyInspection,
  decide,
  type Decision,
  needsAddresses,
  type RequesterIdentity,
  type RequestFacts,
} from "../../policy/mod.ts";
import { ocsfEventFromDecision } from "../../ocsf/mod.ts";
import { type RecordedEvent, recordEvent } from "./recorded_event.ts";
import { BoundUpstream } from "../../upstream/mod.ts";
import { OnceHolds } from "./_once_holds.ts";
import type { BodyLease, ByteStream } from "../../wire/mod.ts";
import type { DestinationResult } from "../../upstream/mod.ts";
import type { ProxyContext } from "./proxy_context.ts";
import type { L7Question } from "./l7_question.ts";
import { gitPackQuestion } from "./git_pack_question.ts";
import { AddressPins } from "./_address_pins.ts";

/** Produces the requester identity of a connection, or the error that prevented it. */
export type IdentitySource = () => Promise<RequesterIdentity | Error>;

/**
 * A client connection: stream, identity and decision helpers.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { clientPair } from "../examples/mod.ts";
 * import { ClientConnection } from "./client_connection.ts";
 *
 * await using pair = await clientPair("version: 1\n"); // a context and a connected stream
 * const identity = () => Promise.resolve({ exe: "/usr/bin/curl", ancestors: [] });
 * const client = new ClientConnection(pair.ctx, pair.client.stream, identity, 50_000);
 * const decision = await client.decide("api.github.com", 443);
 * assert.equal(decision.verdict, "deny"); // no rule for it
 * assert.equal(pair.events[0]?.src_endpoint?.port, 50_000);
 * ```
 */
export class ClientConnection {
  /** The running proxy this connection belongs to. */
  readonly ctx: ProxyContext;
  /** The client's bytes. */
  readonly stream: ByteStream;
  /** The client's source port (for OCSF), when known. */
  readonly srcPort: number | undefined;
  #identitySource: IdentitySource;
  #identity: Promise<RequesterIdentity | Error> | undefined;
  #pins: AddressPins;
  #bound = new BoundUpstream();
  // Shared with the same connection's inner (TLS) view: one request in work at a time.
  #body: { lease?: BodyLease } = {};
  #once = new OnceHolds();
  // A view that decides again what its exchange was granted (see `again()`).
  #again = false;
  // A view whose decisions its caller records (see `quiet()`).
  #quiet = false;

  /** A client connection over `stream`, whose requester `identity` names when first asked. */
  constructor(ctx: ProxyContext, stream: ByteStream, identity: IdentitySource, srcPort?: number) {
    this.ctx = ctx;
    this.stream = stream;
    this.#identitySource = identity;
    this.srcPort = srcPort;
    this.#pins = new AddressPins(ctx.destinations);
  }

  /** The same connection's identity over another stream (the TLS layer inside a tunnel). */
  withStream(stream: ByteStream): ClientConnection {
    const inner = new ClientConnection(this.ctx, stream, this.#identitySource, this.srcPort);
    inner.#identity = this.#identity;
    inner.#pins = this.#pins;
    inner.#bound = this.#bound;
    inner.#body = this.#body;
    inner.#once = this.#once;
    return inner;
  }

  /**
   * A view of this connection for one of several exchanges it carries at once (an HTTP/2
   * stream): the once rules that exchange spends are its own, reported when it calls
   * `endExchange()`, and no other exchange's re-decision counts them as its own.
   */
  forExchange(): ClientConnection {
    const view = this.withStream(this.stream);
    view.#body = {};
    view.#once = new OnceHolds();
    return view;
  }

  /**
   * This connection as it decides again, at a reload, what its exchange in work was granted: a
   * once rule that exchange spent still counts for it (for nothing else), and an allow is not
   * put on record again.
   */
  again(): ClientConnection {
    const view = this.withStream(this.stream);
    view.#again = true;
    return view;
  }

  /** This connection for a caller that records its decisions itself (a judged WebSocket). */
  quiet(): ClientConnection {
    const view = this.withStream(this.stream);
    view.#quiet = true;
    return view;
  }

  /**
   * The body budget this connection's request in work holds (one request at a time over
   * HTTP/1.1); released by the request loop when the request ends, however it ends, after
   * which the next request gets a new one.
   */
  get body(): BodyLease {
    const box = this.#body;
    if (box.lease === undefined || box.lease.released) box.lease = this.ctx.bodyBudget.lease();
    return box.lease;
  }

  /**
   * The exchange in work ended: give back what it held of the body budget (see `body`), and
   * report the once rules it spent.
   */
  endExchange(): void {
    this.#body.lease?.release();
    this.#once.release();
  }

  /** The upstream connection this client authenticated (NTLM, Negotiate), for it alone. */
  get bound(): BoundUpstream {
    return this.#bound;
  }

  /** Resolve (once) who is behind this connection. */
  identity(): Promise<RequesterIdentity | Error> {
    this.#identity ??= this.#identitySource().catch((error) =>
      error instanceof Error ? error : new Error(String(error))
    );
    return this.#identity;
  }

  /**
   * Decide against the policy in force and emit the decision's OCSF event. Without `l7` it
   * is the L4 question for host:port.
   */
  async decide(
    host: string,
    port: number,
    l7?: L7Question,
    scheme: "http" | "https" = "http",
  ): Promise<Decision> {
    const who = await this.identity();
    const holder = this.ctx.holder;
    const pending = this.#facts(who, host, port, l7);
    const facts = pending instanceof Promise ? await pending : pending;
    // Leases end at an instant and session rules serve one sandbox: both are facts here.
    facts.now = this.ctx.now?.() ?? Date.now();
    facts.sandbox = holder.sandbox;
    const once = this.#once;
    facts.spent = this.#again
      ? (key) => !once.holds(key) && holder.spent(key)
      : (key) => holder.spent(key);
    let decision = decide(holder.current().compiled, facts);
    // A clone's or push's discovery is decided as its POST too (see gitPackQuestion).
    const post = decision.verdict === "allow" && l7 ? gitPackQuestion(l7) : undefined;
    const pack = post && decide(holder.current().compiled, { ...facts, ...post });
    if (pack?.verdict === "deny") decision = pack;
    // Synchronously, before any other decision: a once rule allows exactly one request here.
    if (decision.once !== undefined) once.spend(holder, decision.once);
    for (const key of decision.overrideOnce ?? []) once.spend(holder, key);
    const written = this.#quiet
      ? {}
      : this.record(decision, scheme, who instanceof Error ? undefined : who.pid);
    // A denial is on record before the agent hears of it; an allowed request does not wait.
    if (decision.verdict === "deny") await written.recorded;
    // Unless its sandbox writes more of the log than its pace allows.
    if (written.paced) await written.paced;
    return decision;
  }

  /**
   * The GraphQL or MCP endpoints that will judge this request and their body cap, or
   * undefined when none will (its body is then not read before deciding).
   */
  async bodyInspection(
    host: string,
    port: number,
    l7: L7Question,
  ): Promise<BodyInspection | undefined> {
    const facts = await this.#facts(await this.identity(), host, port, l7);
    return bodyInspection(this.ctx.holder.current().compiled, facts);
  }

  /** The facts of a question; a promise only when the host's addresses must be looked up. */
  #facts(
    who: RequesterIdentity | Error,
    host: string,
    port: number,
    l7?: L7Question,
  ): RequestFacts | Promise<RequestFacts> {
    const facts: RequestFacts = { host, port, ...l7 };
    if (who instanceof Error) facts.identityError = who.message;
    else facts.identity = who;
    // An unidentified requester is denied whatever the addresses: no lookup slot for it.
    if (who instanceof Error || !needsAddresses(this.ctx.holder.current().compiled, host, port)) {
      return facts;
    }
    return this.#pins.addressesOf(host, port, who).then((addresses) => {
      if (addresses !== undefined) facts.addresses = addresses;
      return facts;
    });
  }

  /**
   * Where an allowed L4 decision lets this connection go: the SSRF guard over the addresses
   * the decision was made on (looked up only when it was made without any), pinned for the
   * connection's later decisions.
   */
  async destination(host: string, port: number, l4: Decision): Promise<DestinationResult> {
    return this.#pins.destination(host, port, l4, await this.identity());
  }

  /** Emit the OCSF event of a decision; settles once on record and within the pace (`record()`). */
  async emit(decision: Decision, scheme: "http" | "https", pid?: number): Promise<void> {
    const { recorded, paced } = this.record(decision, scheme, pid);
    await recorded;
    await paced;
  }

  /**
   * Put the event of a decision made for this connection on record (a re-decision's allow is
   * not a new request and writes nothing).
   *
   * @returns `recorded` settles once it is on record, when the sink says so; `paced`, when
   * there is one, once the sandbox is back within its log's pace (see `AuditPace`).
   */
  record(decision: Decision, scheme: "http" | "https", pid?: number): RecordedEvent {
    if (this.#again && decision.verdict === "allow") return {}; // no new request
    const event = ocsfEventFromDecision(decision, { pid, srcPort: this.srcPort, scheme });
    return recordEvent(this.ctx, event);
  }
}
