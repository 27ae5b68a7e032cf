/**
 * An upgraded WebSocket on a path a `protocol: websocket` endpoint judges (OpenShell's parsed
 * relay): the client's frames are read (`proxy/websocket/`), each message is decided as
 * `WEBSOCKET_TEXT` against the policy in force before any byte of it goes upstream (a text
 * message once whole, re-framed; a binary one at its first frame), and the origin's bytes go
 * back raw. A denial closes the WebSocket with 1008 to the client, whose reason points at
 * policy.local's denials, and a close to the origin; a malformed or oversized frame closes it
 * with OpenShell's 1002, 1007 or 1009.
 *
 * @module
 */

import type { Duplex } from "node:stream";
import type { Decision } from "../../policy/mod.ts";
import { POLICY_LOCAL_BASE, ROUTE_DENIALS } from "../../policy_local/mod.ts";
import {
  type ClientFrameEvent,
  ClientFrameReader,
  closeFrame,
  dataFrame,
} from "../../websocket/mod.ts";
import type { BodyBudget } from "../../wire/mod.ts";
import { Assembly } from "./_websocket_assembly.ts";
import { OriginWrites } from "./_origin_writes.ts";

/**
 * Decides (and records) one client message of the WebSocket against the policy in force: a
 * whole text message's bytes, or nothing for a binary one (judged at its first frame).
 */
export type MessageJudge = (text?: Uint8Array) => Promise<Decision>;

/** Options of {@linkcode relayJudged}. */
export interface JudgedRelayOptions {
  /** Decides each message. */
  judge: MessageJudge;
  /** Decides again, at a reload, a binary message still open (`judge()` when absent). */
  rejudge?: () => Promise<Decision>;
  /** Hears of the bytes of client frames relayed unjudged (binary and control frames). */
  relayed?: (bytes: number) => void;
  /** What the client sent past its handshake before the relay started: read first. */
  early?: Uint8Array[];
  /** Receives the function that closes both sockets at once (a reload's revocation). */
  onStart?: (close: () => void) => void;
  /**
   * Calls `listener` after each reload, returning the unsubscribe: a binary message still open
   * then is judged again, since its later frames (its end included) were not.
   */
  reloads?: (listener: () => void) => () => void;
  /**
   * The proxy's body budget: an unfinished text message holds its bytes there, so many
   * clients assembling large messages wait their turn (1013 when there is no room) instead
   * of taking the proxy's memory (OpenShell's 32 assemblies at once).
   */
  budget?: BodyBudget;
  /** Longest silence inside an unfinished text message, ms (OpenShell's 30 s; 1002 then). */
  assemblyIdleMs?: number;
  /** Longest time one text message may take to arrive, ms (OpenShell's 2 min; 1002 then). */
  assemblyTotalMs?: number;
}

/**
 * The close reason of a denied message: where the agent reads what was missing (the 403's
 * `inspect_recent_denials` step), then the method and path (never the query), within 123 bytes.
 */
export function deniedReason(d: Decision): string {
  return `policy_denied, see ${POLICY_LOCAL_BASE}${ROUTE_DENIALS}: ${d.method} ${d.path ?? ""}`;
}

/**
 * Relay `downstream` (the client) and `upstream` (the origin) after a 101, judging the
 * client's messages, until both have closed.
 */
export async function relayJudged(
  downstream: Duplex,
  upstream: Duplex,
  options: JudgedRelayOptions,
): Promise<void> {
  const closed = Promise.all([onceClosed(downstream), onceClosed(upstream)]);
  const closeBoth = () => {
    downstream.destroy();
    upstream.destroy();
  };
  for (const socket of [downstream, upstream]) {
    socket.on("error", closeBoth);
    socket.on("close", closeBoth);
  }
  upstream.pipe(downstream);
  const relay = new ClientRelay(downstream, upstream, options);
  for (const chunk of options.early ?? []) relay.take(chunk);
  downstream.on("data", (chunk: Uint8Array) => relay.take(chunk));
  downstream.once("end", () => relay.end());
  // Both sockets were paused while the handshake was read: a listener alone starts neither.
  downstream.resume();
  upstream.resume();
  options.onStart?.(closeBoth);
  const unsubscribe = options.reloads?.(() => relay.rejudge());
  await closed;
  unsubscribe?.();
  await relay.finish();
}

// A chunk read from the client may hold thousands of tiny frames (10,922 empty ones in 64 KiB),
// each a decision for a message: it is read in slices, and the event loop gets a turn after
// this many units of work (a decision 1, a slice 8) or this many ms, so other clients are
// served meanwhile. Before, one chunk held the loop for its every frame and decision.
const SLICE_BYTES = 4096;
const TURN_UNITS = 128;
const TURN_MS = 4;

/**
 * The client-to-origin direction: one chunk at a time, each event in order, what goes
 * upstream gathered into few writes (`_origin_writes.ts`).
 */
class ClientRelay {
  readonly #reader = new ClientFrameReader();
  readonly #assembly: Assembly;
  #chain: Promise<void> = Promise.resolve();
  #stopped = false;
  /** Whether what went upstream ends a frame (a close frame written now is one of its own). */
  #boundary = true;
  /** A reload's judgment of the open binary message, which the frames that follow wait for. */
  #recheck: Promise<void> | undefined;
  readonly #writes: OriginWrites;
  /** Work done, and since when, since the event loop last had a turn. */
  #turn = { units: 0, at: 0 };

  constructor(
    readonly downstream: Duplex,
    readonly upstream: Duplex,
    readonly options: JudgedRelayOptions,
  ) {
    this.#assembly = new Assembly(options, (code, why) => this.#refuse(code, why));
    this.#writes = new OriginWrites(upstream);
  }

  take(chunk: Uint8Array): void {
    // Held while a message is judged, so what follows never passes it.
    this.downstream.pause();
    this.#chain = this.#chain.then(async () => {
      // The read that brought the chunk was a turn of the event loop.
      this.#turn = { units: 0, at: performance.now() };
      for (let at = 0; at < chunk.byteLength; at += SLICE_BYTES) {
        await this.#slice(chunk.subarray(at, at + SLICE_BYTES));
        if (this.#stopped) return;
        await this.#takeTurn(8);
      }
      await this.#flush();
      if (!this.#stopped) this.downstream.resume();
    }).catch(() => this.#refuse(1011, "internal error"));
  }

  async #slice(bytes: Uint8Array): Promise<void> {
    const events = this.#reader.push(bytes);
    // Room for what is held before anything is acted on; none at all: 1013.
    if (!this.#assembly.holds(this.#reader.holding)) return;
    for (const event of events) {
      if (this.#recheck) await this.#recheck;
      if (this.#stopped) return;
      await this.#act(event);
    }
  }

  end(): void {
    this.#chain = this.#chain.then(() => void (this.#stopped || this.upstream.end()));
  }

  /**
   * A reload: a binary message still open (judged at its first frame) is judged again, and
   * ends with 1008 if no longer allowed; its frames not yet sent wait for the answer.
   */
  rejudge(): void {
    if (this.#stopped || !this.#reader.inBinary) return;
    const refuse = (d: Decision) =>
      void (d.verdict === "deny" && this.#refuse(1008, deniedReason(d)));
    const { judge, rejudge = () => judge() } = this.options;
    const recheck: Promise<void> = rejudge()
      .then(refuse, () => this.#refuse(1011, "internal error"))
      .finally(() => void (this.#recheck === recheck && (this.#recheck = undefined)));
    this.#recheck = recheck;
  }

  /** Both sockets closed: what an unfinished message held goes back; settles when idle. */
  finish(): Promise<void> {
    this.#stopped = true;
    this.#assembly.end();
    return this.#chain;
  }

  async #act(event: ClientFrameEvent): Promise<void> {
    if (event.kind === "fail") return this.#refuse(event.code, event.reason);
    if (event.kind === "pass") {
      this.#boundary = event.boundary;
      this.options.relayed?.(event.bytes.byteLength);
      return await this.#writes.queue(event.bytes);
    }
    await this.#takeTurn(1);
    if (this.#stopped) return;
    const decision = await this.options.judge(event.kind === "text" ? event.payload : undefined);
    if (this.#stopped) return;
    if (decision.verdict === "deny") return this.#refuse(1008, deniedReason(decision));
    if (event.kind === "text") await this.#writes.queue(dataFrame(0x1, event.payload, true));
  }

  /** Let the event loop run when this chunk's work has held it long enough. */
  async #takeTurn(units: number): Promise<void> {
    const turn = this.#turn;
    turn.units += units;
    if (turn.units < TURN_UNITS && performance.now() - turn.at < TURN_MS) return;
    // What was judged goes before the pause.
    await this.#flush();
    if (!this.#stopped) await new Promise((resolve) => setTimeout(resolve, 0));
    this.#turn = { units: 0, at: performance.now() };
  }

  async #flush(): Promise<void> {
    if (!this.#stopped) await this.#writes.flush();
  }

  /** Close both sides: `code` and `reason` to the client, `code` alone to the origin. */
  #refuse(code: number, reason: string): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#assembly.end();
    const { downstream, upstream } = this;
    downstream.pause();
    // The origin's bytes stop here, so the close frame is not written into one of its frames.
    upstream.unpipe(downstream);
    let finished = 0;
    const done = () => ++finished === 2 && (downstream.destroy(), upstream.destroy());
    downstream.end(closeFrame(code, reason, false), done);
    // What was allowed before the refusal still goes.
    this.#writes.flushNow();
    // Inside a binary frame a close frame would read as its payload: the origin gets no close,
    // and never the frame's end.
    if (this.#boundary) upstream.end(closeFrame(code, "", true), done);
    else (upstream.destroy(), done());
  }
}

function onceClosed(socket: Duplex): Promise<void> {
  return new Promise<void>((resolve) => {
    if (socket.destroyed) resolve();
    else socket.once("close", () => resolve());
  });
}
