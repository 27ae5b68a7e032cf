/**
 * Admission of client connections: a count of open ones against the cap, the 503 for one
 * over it, and whether refusals mean the process is short of file descriptors.
 *
 * @module
 */

import type { Duplex } from "node:stream";
import { ByteStream } from "../wire/mod.ts";
import { lingeringClose, sendError } from "./connection/mod.ts";
import type { SlotSource } from "../upstream/mod.ts";

/**
 * Counts client connections: admits one (and counts it until it closes) while fewer than
 * `max` are open, otherwise answers it 503 and closes it. `refusedSince()` says whether one
 * was refused since it was last asked. `connectionSlot()` (a `SlotSource`) counts one more
 * upstream connection that a client holds beyond its own (an HTTP/2 session's extra lanes,
 * `upstream_lanes.ts`), so every two descriptors are counted once, and gives the function that
 * uncounts it; undefined when three quarters of the cap are taken (the rest is kept for
 * clients). `open()` is the count; `onGrow` hears of each rise, once it is counted.
 */
export function clientLimit(
  max: number,
  onGrow: () => void = () => {},
): {
  admit(socket: Duplex): boolean;
  refusedSince(): boolean;
  connectionSlot: SlotSource;
  open(): number;
} {
  let open = 0;
  let refused = false;
  return {
    open: () => open,
    connectionSlot() {
      // A quarter of the cap stays for client connections: lanes only speed a session up.
      if (open >= max - Math.floor(max / 4)) return undefined;
      open++;
      onGrow();
      let given = false;
      return () => {
        if (!given) open--;
        given = true;
      };
    },
    admit(socket) {
      if (open >= max) {
        refused = true;
        void refuseConnection(socket, max);
        return false;
      }
      open++;
      socket.once("close", () => open--);
      onGrow();
      return true;
    },
    refusedSince() {
      const was = refused;
      refused = false;
      return was;
    },
  };
}

/** Whether this process holds at least three quarters of the descriptors it may open. */
export function descriptorsNearLimit(limit: number | undefined): boolean {
  if (limit === undefined) return true;
  try {
    let open = 0;
    for (const _ of Deno.readDirSync("/proc/self/fd")) open++;
    return open >= limit * 0.75;
  } catch {
    return true;
  }
}

async function refuseConnection(socket: Duplex, max: number): Promise<void> {
  const detail = `The proxy is serving its limit of ${max} connections: close idle ones and retry`;
  await sendError(new ByteStream(socket), 503, "too_many_connections", detail);
  await lingeringClose(socket);
}
