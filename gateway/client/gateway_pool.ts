/**
 * `GatewayPool`: a proxy's link to several gateways (`--gateway URL` repeated), failing over
 * when the one in use is down. The proxy enrols once, at the first gateway that answers; the
 * same proxy credential is tried first at the others (gateways of one host share their state
 * directory, hence their credentials), and a gateway that does not know it enrols the proxy
 * under the same sandbox id (minted with the same host token), so its proposals stay its
 * own wherever it reads them. The policy feed never goes back: a text whose revision is lower than the one in force
 * (a gateway that has not fetched yet) is ignored, so a failover never widens what is
 * enforced, and while no gateway answers the proxy keeps its last good policy.
 *
 * @module
 */

import type {
  ProposalInput,
  ProposalSink,
  ProposalStatus,
  SubmitResult,
} from "../../proxy/policy_local/mod.ts";
import { GatewayClient, GatewayError } from "./gateway_client.ts";
import { subscribePolicy } from "./subscribe_policy.ts";
import type { GatewayFence } from "./gateway_fence.ts";

/** Options of `GatewayPool.enrol`. */
export interface GatewayPoolOptions {
  /** The gateways' base URLs, in order of preference. */
  urls: readonly string[];
  /** The host's enrolment token. */
  hostToken: string;
  /** The sandbox's policy. */
  policy: string;
  /** Pause before trying the next gateway, in ms. */
  retryMs?: number;
}

interface Member {
  client: GatewayClient;
  sandbox: string;
}

/**
 * A proposal sink and policy feed over several gateways.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { GatewayPool, startGateway } from "../mod.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.mkdir(`${dir}/policies`);
 * await Deno.writeTextFile(`${dir}/policies/team.yaml`, "version: 1\n");
 * const gw = await startGateway({ policiesDir: `${dir}/policies`, stateDir: `${dir}/state`, listen: "127.0.0.1:0" });
 * const closed = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const down = `http://127.0.0.1:${closed.addr.port}`; // nothing listens there any more
 * closed.close();
 * const pool = await GatewayPool.enrol({ urls: [down, gw.url], hostToken: gw.token, policy: "team" });
 * assert.equal(await pool.initial(), "version: 1\n"); // from the second gateway
 * // The second gateway's files are known to fence; the first's are not.
 * assert.equal(pool.fences.length, 1);
 * assert.deepEqual(pool.unfenced, [down]);
 * await pool.retire();
 * await gw.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class GatewayPool implements ProposalSink {
  readonly #o: Required<GatewayPoolOptions>;
  readonly #members = new Map<number, Member>();
  #shared?: Member & { token: string };
  #fences: GatewayFence[] = [];
  #unfenced: string[] = [];
  #current = 0;
  #revision = -1;

  private constructor(o: Required<GatewayPoolOptions>) {
    this.#o = o;
  }

  /**
   * Enrol at the first gateway that answers.
   *
   * @throws {Error} the last gateway's error when none answers
   */
  static async enrol(options: GatewayPoolOptions): Promise<GatewayPool> {
    if (options.urls.length === 0) throw new TypeError("Give at least one gateway URL");
    const pool = new GatewayPool({ retryMs: 200, ...options });
    await pool.#call(() => Promise.resolve());
    await pool.#enrolAtOthers();
    return pool;
  }

  /** The sandbox id of the first enrolment. */
  get sandboxId(): string {
    return this.#shared?.sandbox ?? "";
  }

  /** What every gateway that enrolled the proxy asked its runner to fence. */
  get fences(): readonly GatewayFence[] {
    return this.#fences;
  }

  /** The gateways that did not enrol the proxy at start: their fences are unknown. */
  get unfenced(): readonly string[] {
    return this.#unfenced;
  }

  /** Submit through the gateway in use (the next one if it is down). */
  submit(input: ProposalInput): Promise<SubmitResult> {
    return this.#call((c) => c.submit(input));
  }

  /** A proposal's state, from the gateway in use. */
  status(id: string): Promise<ProposalStatus | undefined> {
    return this.#call((c) => c.status(id));
  }

  /** Long-poll until decided, moving to the next gateway if the one in use goes down. */
  wait(id: string, signal: AbortSignal): Promise<ProposalStatus | undefined> {
    return this.#call((c) => c.wait(id, signal));
  }

  /** Report a used once-scoped rule to the gateway in use (see `GatewayClient.onceUsed`). */
  onceUsed(rule: string, expiresAt?: number): Promise<void> {
    return this.#call((c) => c.onceUsed(rule, expiresAt));
  }

  /** The policy's current text (its revision becomes the floor of the feed). */
  async initial(): Promise<string> {
    const policy = await this.#call((c) => c.policy(this.#o.policy));
    if (!policy) throw new Error(`The gateway has no policy "${this.#o.policy}"`);
    this.#revision = policy.revision;
    return policy.text;
  }

  /** Deliver each newer text from the gateway in use, failing over, until `signal` aborts. */
  async follow(
    onText: (text: string, json?: string, utf8?: Uint8Array<ArrayBuffer>[]) => void,
    signal: AbortSignal,
  ): Promise<void> {
    while (!signal.aborted) {
      const index = this.#current;
      const member = await this.#member(index).catch(() => undefined);
      if (member) {
        const round = new AbortController();
        const stop = () => round.abort();
        signal.addEventListener("abort", stop);
        await subscribePolicy(
          member.client,
          this.#o.policy,
          (text, version) => {
            // A gateway behind the others (not fetched yet) must not take the proxy back.
            if (version.revision < this.#revision) return;
            this.#revision = version.revision;
            onText(text, version.json, version.utf8);
          },
          round.signal,
          { onError: stop, retryMs: this.#o.retryMs },
        ).finally(() => {
          signal.removeEventListener("abort", stop);
        });
      }
      if (signal.aborted) break;
      this.#current = (index + 1) % this.#o.urls.length;
      await new Promise((resolve) => setTimeout(resolve, this.#o.retryMs));
    }
  }

  /** Give every credential back (after the proxy stopped); false when one failed. Never throws. */
  async retire(): Promise<boolean> {
    let all = true;
    for (const m of this.#members.values()) {
      await m.client.retire(m.sandbox).catch(() => all = false);
    }
    return all;
  }

  /** Run `fn` on the gateway in use, else on each next one; the last error if all are down. */
  async #call<T>(fn: (client: GatewayClient) => Promise<T>): Promise<T> {
    let last: unknown;
    const n = this.#o.urls.length;
    for (let k = 0; k < n; k++) {
      const index = (this.#current + k) % n;
      try {
        const result = await fn((await this.#member(index)).client);
        this.#current = index;
        return result;
      } catch (error) {
        if (!isDown(error)) throw error;
        last = error;
      }
    }
    throw last;
  }

  /** The gateway's client with a credential it accepts (the shared one, else a new one). */
  async #member(index: number): Promise<Member> {
    const known = this.#members.get(index);
    if (known) return known;
    const url = this.#o.urls[index]!;
    if (this.#shared) {
      const client = new GatewayClient({ url, token: this.#shared.token });
      const accepted = await client.policy(this.#o.policy).then(() => true, (e) => {
        if (e instanceof GatewayError && e.status === 401) return false;
        throw e;
      });
      if (accepted) {
        const member = { client, sandbox: this.#shared.sandbox };
        this.#members.set(index, member);
        return member;
      }
    }
    return await this.#enrolAt(index);
  }

  /** Enrol at gateway `index` with the host's token (under the shared sandbox id, if any). */
  async #enrolAt(index: number): Promise<Member> {
    const url = this.#o.urls[index]!;
    const host = new GatewayClient({ url, token: this.#o.hostToken });
    const { sandbox, token, fence } = await host.enrol(this.#o.policy, this.#shared?.sandbox);
    const member = { client: new GatewayClient({ url, token }), sandbox };
    this.#shared ??= { ...member, token };
    if (fence) this.#fences.push(fence);
    this.#members.set(index, member);
    return member;
  }

  /**
   * Enrol at every other gateway now, under the same sandbox id: each names its own files to
   * fence. Learned only at a failover, the fence of a gateway on this machine with a
   * repository of its own would come after the sandbox started, unfenced, and could have
   * edited and committed that repository meanwhile. A gateway that does not answer now is
   * named in `unfenced`; it still takes over later as before.
   */
  async #enrolAtOthers(): Promise<void> {
    const others = this.#o.urls.flatMap((_url, index) => this.#members.has(index) ? [] : [index]);
    await Promise.all(others.map((index) =>
      this.#enrolAt(index).catch(() => {
        this.#unfenced.push(this.#o.urls[index]!);
      })
    ));
  }
}

/** A gateway that cannot be reached or failed as a server; 4xx answers are the caller's. */
function isDown(error: unknown): boolean {
  return !(error instanceof GatewayError) || error.status >= 500;
}
