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
import type { Decision } from "../policy/mod.ts";
import { POLICY_LOCAL_BASE, ROUTE_DENIALS } from "../policy_local/mod.ts";
import {
  type ClientFrameEvent,
  ClientFrameReader,
  closeFrame,
  dataFrame,
} from "../websocket/mod.ts";
import { type BodyBudget, type BodyLease, drainedOrClosed, LazyDeadline } from "../wire/mod.ts";

/** Decides (and records) one client message of the WebSocket against the policy in force. */
export type MessageJudge = () => Promise<Decision>;

/** Options of {@linkcode relayJudged}. */
export interface JudgedRelayOptions {
  /** Decides each message. */
  judge: MessageJudge;
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
  relay.finish();
}

/** The client-to-origin direction: one chunk at a time, each event in order. */
class ClientRelay {
  readonly #reader = new ClientFrameReader();
  readonly #assembly: Assembly;
  #chain: Promise<void> = Promise.resolve();
  #stopped = false;
  /** Whether what went upstream ends a frame (a close frame written now is one of its own). */
  #boundary = true;
  /** A reload's judgment of the open binary message, which the frames that follow wait for. */
  #recheck: Promise<void> | undefined;

  constructor(
    readonly downstream: Duplex,
    readonly upstream: Duplex,
    readonly options: JudgedRelayOptions,
  ) {
    this.#assembly = new Assembly(options, (code, why) => this.#refuse(code, why));
  }

  take(chunk: Uint8Array): void {
    // Held while a message is judged, so what follows never passes it.
    this.downstream.pause();
    this.#chain = this.#chain.then(async () => {
      const events = this.#reader.push(chunk);
      // Room for what is held before anything is acted on; none at all: 1013.
      if (!this.#assembly.holds(this.#reader.holding)) return;
      for (const event of events) {
        if (this.#recheck) await this.#recheck;
        if (this.#stopped) return;
        await this.#act(event);
      }
      if (!this.#stopped) this.downstream.resume();
    }).catch(() => this.#refuse(1011, "internal error"));
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
    const recheck: Promise<void> = this.options.judge()
      .then(refuse, () => this.#refuse(1011, "internal error"))
      .finally(() => void (this.#recheck === recheck && (this.#recheck = undefined)));
    this.#recheck = recheck;
  }

  /** Both sockets closed: what an unfinished message held goes back. */
  finish(): void {
    this.#stopped = true;
    this.#assembly.end();
  }

  async #act(event: ClientFrameEvent): Promise<void> {
    if (event.kind === "fail") return this.#refuse(event.code, event.reason);
    if (event.kind === "pass") {
      this.#boundary = event.boundary;
      return await this.#write(event.bytes);
    }
    const decision = await this.options.judge();
    if (this.#stopped) return;
    if (decision.verdict === "deny") return this.#refuse(1008, deniedReason(decision));
    if (event.kind === "text") await this.#write(dataFrame(0x1, event.payload, true));
  }

  async #write(bytes: Uint8Array): Promise<void> {
    if (!this.upstream.write(bytes)) await drainedOrClosed(this.upstream);
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
    // Inside a binary frame a close frame would read as its payload: the origin gets no close,
    // and never the frame's end.
    if (this.#boundary) upstream.end(closeFrame(code, "", true), done);
    else (upstream.destroy(), done());
  }
}

/**
 * An unfinished text message's hold on the proxy: its bytes in the body budget, and the
 * deadlines of its arrival. Between messages it holds nothing and no timer runs.
 */
class Assembly {
  #lease: BodyLease | undefined;
  // Moved at every frame of the message, so one lazy timer rather than a new one per frame.
  #idle = new LazyDeadline(() => this.refuse(1002, "text message idle"));
  #total: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly options: JudgedRelayOptions,
    readonly refuse: (code: number, why: string) => void,
  ) {}

  /** Hold `bytes` (the reader's unfinished message); false, after refusing, when no room. */
  holds(bytes: number): boolean {
    if (bytes === 0) {
      this.end();
      return true;
    }
    const { budget, assemblyIdleMs = 30_000, assemblyTotalMs = 120_000 } = this.options;
    this.#lease ??= budget?.lease();
    const more = bytes - (this.#lease?.held ?? 0);
    if (more > 0 && this.#lease && !this.#lease.tryGrow(more)) {
      this.refuse(1013, "the proxy holds as many messages as it may: try again later");
      return false;
    }
    this.#idle.set(assemblyIdleMs);
    this.#total ??= setTimeout(() => this.refuse(1002, "text message too slow"), assemblyTotalMs);
    return true;
  }

  /** Give back what is held and stop the timers. */
  end(): void {
    this.#lease?.release();
    this.#lease = undefined;
    this.#idle.stop();
    clearTimeout(this.#total);
    this.#total = undefined;
  }
}

function onceClosed(socket: Duplex): Promise<void> {
  return new Promise<void>((resolve) => {
    if (socket.destroyed) resolve();
    else socket.once("close", () => resolve());
  });
}
