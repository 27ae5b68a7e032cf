/**
 * The in-band denial an SSH client shows. A captured connection to an SSH port (`ssh
 * git@github.com` where the policy names port 22 for other binaries, or `ssh -p 443`), or an
 * SSH session inside a denied CONNECT (`ProxyCommand`), starts with the client's identification
 * line, never with an HTTP request: the 403 came only after the head timeout, and ssh printed
 * "kex_exchange_identification: Connection closed by remote host". SSH lets a server end the
 * connection before key exchange with an unencrypted `SSH_MSG_DISCONNECT` (RFC 4253 §11.1),
 * whose description OpenSSH prints ("Received disconnect from …: <description>"): the denial's
 * one-line message goes there.
 *
 * @module
 */

import type { Decision } from "../../policy/mod.ts";
import { renderDenyResponse } from "../../policy_local/mod.ts";

const SSH_HELLO = [0x53, 0x53, 0x48, 0x2d]; // "SSH-"
const IDENTIFICATION = "SSH-2.0-Tollgate\r\n";
const MSG_DISCONNECT = 1;
const HOST_NOT_ALLOWED_TO_CONNECT = 1;
/** OpenSSH prints at most 400 characters of the description. */
const DESCRIPTION_LIMIT = 400;

/** Whether a connection's first bytes are an SSH identification line. */
export function isSshHello(first: Uint8Array): boolean {
  return SSH_HELLO.every((byte, i) => first[i] === byte);
}

/**
 * The server identification line, then an `SSH_MSG_DISCONNECT` packet (no key exchange yet:
 * no encryption, no MAC) whose description is the denial's message.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sshDenial } from "./_ssh_denial.ts";
 * const bytes = sshDenial({
 *   verdict: "deny", layer: "l4", reason: "endpoint github.com:22 not in policy",
 *   host: "github.com", port: 22, binary: "/usr/bin/ssh",
 * }, "/skill.md");
 * const text = new TextDecoder().decode(bytes);
 * assert.match(text, /^SSH-2\.0-Tollgate\r\n/);
 * assert.match(text, /Tollgate policy denied CONNECT github\.com:22 for \/usr\/bin\/ssh/);
 * assert.equal((bytes.byteLength - 18) % 8, 0); // whole packets of the 8-byte block
 * ```
 */
export function sshDenial(decision: Decision, skillPath: string): Uint8Array {
  const body = JSON.parse(renderDenyResponse(decision, { skillPath }).body) as {
    message: string;
  };
  const encoder = new TextEncoder();
  // Printable ASCII only: a terminal shows it as it is.
  const description = encoder.encode(
    body.message.replace(/[^\x20-\x7e]/g, "?").slice(0, DESCRIPTION_LIMIT),
  );
  const payload = new Uint8Array(1 + 4 + 4 + description.byteLength + 4);
  const view = new DataView(payload.buffer);
  payload[0] = MSG_DISCONNECT;
  view.setUint32(1, HOST_NOT_ALLOWED_TO_CONNECT);
  view.setUint32(5, description.byteLength);
  payload.set(description, 9);
  view.setUint32(9 + description.byteLength, 0); // language tag: empty
  // RFC 4253 §6: length, padding length, payload, at least 4 bytes of padding, the whole a
  // multiple of 8 bytes.
  let padding = 8 - ((4 + 1 + payload.byteLength) % 8);
  if (padding < 4) padding += 8;
  const identification = encoder.encode(IDENTIFICATION);
  const packet = new Uint8Array(4 + 1 + payload.byteLength + padding);
  new DataView(packet.buffer).setUint32(0, packet.byteLength - 4);
  packet[4] = padding;
  packet.set(payload, 5);
  crypto.getRandomValues(packet.subarray(5 + payload.byteLength));
  const out = new Uint8Array(identification.byteLength + packet.byteLength);
  out.set(identification);
  out.set(packet, identification.byteLength);
  return out;
}
