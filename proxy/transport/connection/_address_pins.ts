/**
 * The addresses one client connection decides on and connects to, per host and port, once
 * known: a name that resolves elsewhere later can neither change a decision nor the
 * connection's target.
 *
 * @module
 */

import type { Decision, RequesterIdentity } from "../../policy/mod.ts";
import type { DestinationResolver, DestinationResult } from "../../upstream/mod.ts";

/** host:port → the addresses a connection's decisions and connections use. */
export class AddressPins {
  readonly #pins = new Map<string, Promise<string[] | undefined>>();

  constructor(readonly destinations: DestinationResolver) {}

  /** The addresses `host:port` is decided on for `who`: looked up once, then pinned. */
  addressesOf(
    host: string,
    port: number,
    who: RequesterIdentity,
  ): Promise<string[] | undefined> {
    const key = `${host}:${port}`;
    let pinned = this.#pins.get(key);
    if (pinned === undefined) {
      pinned = this.destinations.addressesOf(host, port, lookupClient(who));
      this.#pins.set(key, pinned);
    }
    return pinned;
  }

  /**
   * Where an allowed L4 decision lets the connection go: the SSRF guard over the addresses the
   * decision was made on (looked up only when it was made without any), pinned from then on.
   */
  async destination(
    host: string,
    port: number,
    l4: Decision,
    who: RequesterIdentity | Error,
  ): Promise<DestinationResult> {
    const client = who instanceof Error ? undefined : lookupClient(who);
    const result = await this.destinations.resolve(host, port, l4.allowedIps, l4.addresses, client);
    if (result.ok) this.#pins.set(`${host}:${port}`, Promise.resolve([result.address]));
    return result;
  }
}

/**
 * Whose share of the proxy's lookup slots a lookup takes: the requester's executable, whatever
 * started it. Neither its process id nor its ancestors count: with the binary chain, one binary
 * started under several parents (or nested in itself, a new chain at every depth) took a share
 * per chain, and two such copies held all 8 slots.
 */
function lookupClient(who: RequesterIdentity): string {
  return who.exe;
}
