/**
 * The names procfs readers parse in place, byte by byte, so that the many entries and links
 * that are not what a lookup wants cost no string: a `socket:[N]` link, a numbered entry.
 *
 * @module
 */

const DOT = 46;
const SOCKET_PREFIX = new TextEncoder().encode("socket:[");
const CLOSE_BRACKET = 93;

/** The number a NUL-terminated name spells with digits only, else undefined. */
export function entryNumber(name: Uint8Array): number | undefined {
  let number = 0;
  let i = 0;
  for (; name[i] !== 0 && i < name.length; i++) {
    const digit = name[i]! - 48;
    if (digit < 0 || digit > 9) return undefined;
    number = number * 10 + digit;
  }
  return i === 0 ? undefined : number;
}

/** True for the `.` and `..` entries, whose names start at `at`. */
export function isDotEntry(entries: Uint8Array, at: number): boolean {
  if (entries[at] !== DOT) return false;
  const next = entries[at + 1];
  return next === 0 || (next === DOT && entries[at + 2] === 0);
}

/**
 * The inode of a `socket:[N]` link of `length` bytes in `link`, else undefined; compared
 * byte by byte so that the many links that are not sockets cost no string.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { socketInode } from "./_socket_inode.ts";
 *
 * const link = new Uint8Array(64);
 * const encoder = new TextEncoder();
 * const { written } = encoder.encodeInto("socket:[4242]", link);
 * assert.equal(socketInode(link, written), 4242);
 * assert.equal(socketInode(link, written - 1), undefined); // no closing bracket
 * assert.equal(socketInode(link, encoder.encodeInto("pipe:[4242]", link).written), undefined);
 * ```
 */
export function socketInode(link: Uint8Array, length: number): number | undefined {
  const last = length - 1;
  // A link that fills the buffer may be cut short: no socket link is that long.
  if (length <= SOCKET_PREFIX.length + 1 || length >= link.byteLength) return undefined;
  if (link[last] !== CLOSE_BRACKET) return undefined;
  for (let i = 0; i < SOCKET_PREFIX.length; i++) if (link[i] !== SOCKET_PREFIX[i]) return undefined;
  let inode = 0;
  for (let i = SOCKET_PREFIX.length; i < last; i++) {
    const digit = link[i]! - 48;
    if (digit < 0 || digit > 9) return undefined;
    inode = inode * 10 + digit;
  }
  return inode;
}
