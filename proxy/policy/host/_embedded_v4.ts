/**
 * IPv4 addresses carried inside an IPv6 one by the older transition schemes: IPv4-compatible
 * (`::a.b.c.d`), SIIT's IPv4-translated (`::ffff:0:a.b.c.d`), the local-use NAT64 prefix
 * (`64:ff9b:1::/48`) and 6to4 (`2002:AABB:CCDD::/48`). A host written so reads as an IPv6
 * address to a reviewer while a translator or relay may deliver it to the IPv4 one inside.
 * (IPv4-mapped and the well-known NAT64 prefix are unmapped by `ip.ts` itself.)
 *
 * @module
 */

const zero = (bytes: Uint8Array, from: number, to: number) =>
  bytes.subarray(from, to).every((b) => b === 0);

/**
 * The IPv4 address inside a 16-byte IPv6 address of one of those schemes, else undefined.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { embeddedV4 } from "./_embedded_v4.ts";
 * const compat = new Uint8Array([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 127, 0, 0, 1]);
 * assert.deepEqual([...embeddedV4(compat)!], [127, 0, 0, 1]);
 * ```
 */
export function embeddedV4(bytes: Uint8Array): Uint8Array | undefined {
  if (bytes.length !== 16) return undefined;
  // ::a.b.c.d (not :: or ::1, which are their own classes) and ::ffff:0:a.b.c.d.
  const compat = zero(bytes, 0, 12);
  const translated = zero(bytes, 0, 8) && bytes[8] === 0xff && bytes[9] === 0xff &&
    zero(bytes, 10, 12);
  if (compat || translated) return bytes.slice(12);
  // 64:ff9b:1::/48 carries the address in its last 32 bits (RFC 8215, RFC 6052 /96 layout).
  if (
    bytes[0] === 0 && bytes[1] === 0x64 && bytes[2] === 0xff && bytes[3] === 0x9b &&
    bytes[4] === 0 && bytes[5] === 1
  ) return bytes.slice(12);
  // 2002:AABB:CCDD::/48: the address right after the prefix (RFC 3056).
  if (bytes[0] === 0x20 && bytes[1] === 0x02) return bytes.slice(2, 6);
  return undefined;
}
