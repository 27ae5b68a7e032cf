/**
 * The judge and the audit record of one judged WebSocket's client messages. Each message is
 * decided on its own, but an allowed one is not an OCSF line of its own (OpenShell writes one
 * per message, and a client sending empty messages made the proxy write 70 times what it sent):
 * the first allowed message is an event at once, and those after it under one rule are one
 * event with their count and bytes, written 10 s after the first of them, when the rule
 * changes, before any other event of the socket, and at close. A denial, an audit-mode allow
 * and a re-decision that ends the socket are events of their own, as before.
 *
 * @module
 */

import type { Decision } from "../../policy/mod.ts";
import { WEBSOCKET_TEXT } from "../../policy/mod.ts";
import { type SummaryCounts, summaryEvent } from "../../ocsf/mod.ts";
import { type ClientConnection, recordEvent } from "../connection/mod.ts";

/** Where a judged WebSocket's messages are decided: the handshake's host, port, path and query. */
export interface MessageTarget {
  /** The handshake's host. */
  host: string;
  /** The handshake's port. */
  port: number;
  /** Canonical path of the handshake, without the query. */
  path: string;
  /** The handshake's query, when it had one. */
  query?: string;
  /** The scheme the handshake came over. */
  scheme: "http" | "https";
}

/** How long allowed messages are summarised before their event is written, ms. */
export const SUMMARY_MS = 10_000;

/**
 * The judge of one WebSocket's client messages (as `WEBSOCKET_TEXT` on the handshake's path
 * and query, with its text, which a GraphQL-over-WebSocket endpoint reads, against the policy
 * in force then) and their audit record.
 */
export class MessageLedger {
  readonly #quiet: ClientConnection;
  readonly #at: MessageTarget;
  #open: (SummaryCounts & { decision: Decision }) | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #ended = false;
  #started = false;
  /** Bytes relayed while no summary was open, for the next one. */
  #loose = 0;

  /** A ledger for `client`'s messages, decided at `at`. */
  constructor(readonly client: ClientConnection, at: MessageTarget) {
    this.#quiet = client.quiet();
    this.#at = at;
  }

  /** Decide a message: a whole text message's bytes, or none for a binary one's first frame. */
  async judge(text?: Uint8Array): Promise<Decision> {
    const decision = await this.#decide(text);
    if (decision.verdict === "allow" && !decision.audit) {
      this.#count(decision, text?.byteLength ?? 0);
    } else await this.#record(decision);
    return decision;
  }

  /** Decide again, at a reload, the binary message still open: only an end goes on record. */
  async rejudge(): Promise<Decision> {
    const decision = await this.#decide();
    if (decision.verdict === "deny") await this.#record(decision);
    return decision;
  }

  /** Bytes the client sent past the judge (binary and control frames), for the summary. */
  relayed(bytes: number): void {
    if (this.#open) this.#open.bytes += bytes;
    else this.#loose += bytes;
  }

  /** The socket closed: write what is summarised. */
  end(): void {
    this.#ended = true;
    this.#flush();
  }

  #decide(text?: Uint8Array): Promise<Decision> {
    const { host, port, path, query, scheme } = this.#at;
    const base = { method: WEBSOCKET_TEXT, path, websocketMessage: true };
    const asked = query === undefined ? base : { ...base, query };
    const l7 = text === undefined ? asked : { ...asked, websocketText: text };
    return this.#quiet.decide(host, port, l7, scheme);
  }

  #count(decision: Decision, bytes: number): void {
    const now = Date.now();
    const open = this.#open;
    if (open && open.decision.policy === decision.policy) {
      open.count++;
      open.bytes += bytes;
      open.end = now;
      return;
    }
    this.#flush();
    this.#open = { decision, count: 1, bytes: bytes + this.#loose, start: now, end: now };
    this.#loose = 0;
    // The socket's first message goes on record at once: a reviewer following the log sees
    // the socket in use as it starts, and what follows within the next 10 s is summarised.
    if (!this.#started) (this.#started = true, this.#flush());
    else if (!this.#ended) this.#timer = setTimeout(() => this.#flush(), SUMMARY_MS);
  }

  /** Write the summary of the allowed messages so far, if any. */
  #flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const open = this.#open;
    if (open === undefined) return;
    this.#open = undefined;
    const { decision, ...counts } = open;
    const meta = { srcPort: this.client.srcPort, scheme: this.#at.scheme };
    void this.#withPid((pid) =>
      recordEvent(this.client.ctx, summaryEvent(decision, counts, { ...meta, pid }))
    );
  }

  /** Put one decision on record after the summary before it; a denial waits to be written. */
  async #record(decision: Decision): Promise<void> {
    this.#flush();
    const written = await this.#withPid((pid) =>
      this.client.record(decision, this.#at.scheme, pid)
    );
    if (decision.verdict === "deny") await written.recorded;
    await written.paced;
  }

  async #withPid<T>(write: (pid?: number) => T): Promise<T> {
    const who = await this.client.identity();
    return write(who instanceof Error ? undefined : who.pid);
  }
}
