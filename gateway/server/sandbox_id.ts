/**
 * Sandbox ids bound to the host's enrolment token: `sb-<nonce>-<tag>`, the tag an HMAC of the
 * nonce keyed by the token. A proxy that fails over keeps its id: the next gateway enrols it
 * under that id when the id was minted with the same host token (gateways sharing one remote
 * and one token need no shared record for it), and refuses one minted with another token, so
 * a host cannot take over another host's sandbox (its proposals, its denials).
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

const ID = /^sb-([0-9a-f]{16})-([0-9a-f]{16})$/;

function tag(hostToken: string, nonce: string): string {
  return createHmac("sha256", hostToken).update(`tollgate sandbox id\0${nonce}`).digest("hex")
    .slice(0, 16);
}

/**
 * A new sandbox id minted with `hostToken`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mintSandboxId, sandboxIdMintedWith } from "./sandbox_id.ts";
 * const id = mintSandboxId("tg_host_token");
 * assert(sandboxIdMintedWith(id, "tg_host_token"));
 * assert(!sandboxIdMintedWith(id, "another token"));
 * ```
 */
export function mintSandboxId(hostToken: string): string {
  const nonce = randomBytes(8).toString("hex");
  return `sb-${nonce}-${tag(hostToken, nonce)}`;
}

/** True when `id` is a sandbox id minted with `hostToken` (compared in constant time). */
export function sandboxIdMintedWith(id: string, hostToken: string): boolean {
  const m = ID.exec(id);
  if (!m) return false;
  const expected = Buffer.from(tag(hostToken, m[1]!));
  return timingSafeEqual(expected, Buffer.from(m[2]!));
}
