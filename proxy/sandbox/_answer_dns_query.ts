/**
 * The DNS answerer of transparent mode, as a pure function over one UDP message: an `A`
 * question gets the name's synthetic address (see `NamePool`), every other type an empty
 * answer (so clients fall back to IPv4 and to the `A` record), anything malformed FORMERR.
 *
 * @module
 */

import type { NamePool } from "./_name_pool.ts";

const TYPE_A = 1;
const CLASS_IN = 1;
const RCODE = { ok: 0, formErr: 1, serverFailure: 2, notImplemented: 4, refused: 5 } as const;
/** Seconds a client may cache an answer: the mapping never changes while the sandbox runs. */
const TTL = 3600;

/**
 * The response to one DNS query message, or undefined when the message is too short to
 * answer (no id) or is itself a response.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { answerDnsQuery } from "./_answer_dns_query.ts";
 * import { NamePool } from "./_name_pool.ts";
 *
 * // id 0x1234, recursion desired, one question: example.com A IN.
 * const name = [7, ..."example".split("").map((c) => c.charCodeAt(0)), 3, 99, 111, 109, 0];
 * const query = new Uint8Array([0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, ...name, 0, 1, 0, 1]);
 * const reply = answerDnsQuery(query, new NamePool())!;
 * assert.equal(reply[2]! & 0x80, 0x80); // a response
 * assert.deepEqual([...reply.slice(-4)], [198, 18, 0, 1]); // the name's synthetic address
 * ```
 */
export function answerDnsQuery(query: Uint8Array, pool: NamePool): Uint8Array | undefined {
  if (query.length < 12 || (query[2]! & 0x80) !== 0) return undefined;
  const view = new DataView(query.buffer, query.byteOffset, query.byteLength);
  const opcode = (query[2]! >> 3) & 0x0f;
  if (opcode !== 0) return reply(query, 12, RCODE.notImplemented);
  if (view.getUint16(4) !== 1) return reply(query, 12, RCODE.formErr);
  const question = readQuestion(query);
  if (question === undefined) return reply(query, 12, RCODE.formErr);
  const { name, type, klass, end } = question;
  if (klass !== CLASS_IN || type !== TYPE_A) return reply(query, end, RCODE.ok);
  const address = pool.addressOf(name);
  if (address === undefined) return reply(query, end, RCODE.refused);
  const answer = new Uint8Array(16);
  const out = new DataView(answer.buffer);
  out.setUint16(0, 0xc00c); // a pointer to the question's name
  out.setUint16(2, TYPE_A);
  out.setUint16(4, CLASS_IN);
  out.setUint32(6, TTL);
  out.setUint16(10, 4);
  answer.set(address.split(".").map(Number), 12);
  return reply(query, end, RCODE.ok, answer);
}

/** The longest name on the wire, its terminating zero octet included (RFC 1035 §2.3.4). */
const MAX_NAME_OCTETS = 255;

function readQuestion(
  query: Uint8Array,
): { name: string; type: number; klass: number; end: number } | undefined {
  const labels: string[] = [];
  let at = 12;
  while (true) {
    const length = query[at];
    if (length === undefined || (length & 0xc0) !== 0) return undefined;
    at++;
    if (length === 0) break;
    // RFC 1035 §2.3.4: a name is at most 255 octets on the wire. Stop there rather than join
    // thousands of one-byte labels of a 64 KiB datagram (about 6 ms a query, measured).
    if (at + length > query.length || at + length >= 12 + MAX_NAME_OCTETS) return undefined;
    labels.push(String.fromCharCode(...query.subarray(at, at + length)));
    at += length;
  }
  if (at + 4 > query.length || labels.length === 0) return undefined;
  const view = new DataView(query.buffer, query.byteOffset, query.byteLength);
  return {
    name: labels.join("."),
    type: view.getUint16(at),
    klass: view.getUint16(at + 2),
    end: at + 4,
  };
}

/** Header + the question (bytes 12..end of the query) + the answer, if any. */
function reply(query: Uint8Array, end: number, rcode: number, answer?: Uint8Array): Uint8Array {
  const out = new Uint8Array(end + (answer?.length ?? 0));
  out.set(query.subarray(0, end));
  const view = new DataView(out.buffer);
  // QR, the query's opcode and RD kept, AA and RA set; the rcode.
  out[2] = 0x80 | (query[2]! & 0x79) | 0x04;
  out[3] = 0x80 | rcode;
  view.setUint16(4, end > 12 ? 1 : 0);
  view.setUint16(6, answer === undefined ? 0 : 1);
  view.setUint32(8, 0);
  if (answer !== undefined) out.set(answer, end);
  return out;
}
