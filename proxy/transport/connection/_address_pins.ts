/**
 * The addresses one client connection decides on and connects to, per host and port, once
 * known: a name that resolves elsewhere later can neither change a decision nor the
 * connection's target.
 *
 * @module
 */

import type { Decision } from "../../policy/mod.ts";
import type { DestinationResolver, DestinationResult } from "../../upstream/mod.ts";

/** host:port → the addresses a connection's decisions and connections use. */
export class AddressPins {
  readonly #pins = new Map<string, Promise<string[] | undefined>>();

  constructor(readonly destinations: DestinationResolver) {}

  /** The addresses `host:port` is decided on: looked up once, then pinned. */
  addressesOf(host: string, port: number): Promise<string[] | undefined> {
    const key = `${host}:${port}`;
    let pinned = this.#pins.get(key);
    if (pinned === undefined) {
      pinned = this.destinations.addressesOf(host, port);
      this.#pins.set(key, pinned);
    }
    return pinned;
  }

  /**
   * Where an allowed L4 decision lets the connection go: the SSRF guard over the addresses the
   * decision was made on (looked up only when it was made without any), pinned from then on.
   */
  async destination(host: string, port: number, l4: Decision): Promise<DestinationResult> {
    const result = await this.destinations.resolve(host, port, l4.allowedIps, l4.addresses);
    if (result.ok) this.#pins.set(`${host}:${port}`, Promise.resolve([result.address]));
    return result;
  }
}
