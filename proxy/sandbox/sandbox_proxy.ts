/**
 * What the sandbox runner needs from a proxy: a handle it can feed connections into, each
 * with the requester identity the runner resolved.
 *
 * @module
 */

import type { Duplex } from "node:stream";
import type { Policy, RequesterIdentity } from "../policy/mod.ts";

/** Resolves, once, who sent the requests on one connection; an Error makes the proxy deny. */
export type IdentityThunk = () => Promise<RequesterIdentity | Error>;

/**
 * The part of the proxy's `ProxyHandle` the runner uses (structurally the same, so the real
 * handle fits): its loopback address, a way to serve a connection accepted elsewhere, and a
 * way to stop it.
 */
export interface SandboxProxy {
  /** The proxy's own loopback port. */
  readonly port: number;
  /** The proxy's own loopback address. */
  readonly hostname: string;
  /** Serve one client connection (the proxy now owns it) with the given requester identity. */
  serveConnection(conn: Duplex, identity: IdentityThunk): void;
  /** Stop listening and close every connection. */
  close(): Promise<void>;
  /** Ports transparent mode should capture for the policy in force (see `capturePorts`). */
  policyPorts?: () => number[];
  /** The policy's static sections, read once as the command starts (`filesystem_policy`). */
  staticSections?: () => Pick<Policy, "filesystem_policy" | "landlock">;
}
