/**
 * One requester out of every process that holds a client socket, or a refusal when they
 * disagree on who they are.
 *
 * @module
 */

import type { RequesterIdentity } from "../policy/mod.ts";

/** One process holding the socket: its pid and executable chain (own exe first). */
export interface SocketHolder {
  pid: number;
  /** Own executable, then each ancestor's, nearest first; empty when unreadable. */
  chain: string[];
}

/** The stable code that starts an ambiguity error and that the skill tells agents about. */
export const AMBIGUOUS_IDENTITY = "ambiguous_identity";
const NAMED_AT_MOST = 4;

/**
 * The identity of a socket's holders, when they all are the same requester.
 *
 * A policy binary matches the requester's executable or any ancestor's, so what a holder
 * may do is fixed by its own executable and the set of executables in its chain. Holders
 * that agree on both are one requester for the policy: a process and the children it forked
 * without `exec` (pre-forked workers, `multiprocessing`) share both, and are served. Holders
 * that differ (python that handed its socket to a `curl` it started, or to an unrelated
 * process) are refused, as OpenShell refuses "ambiguous shared socket ownership": picking
 * one would let a process borrow another binary's rules.
 *
 * @param inode The socket inode (for the message).
 * @param holders Every live holder, newest first; one with an empty chain is unreadable.
 * @returns The newest holder's identity, or an Error starting `ambiguous_identity:`.
 */
export function singleIdentity(
  inode: number,
  holders: readonly SocketHolder[],
): RequesterIdentity | Error {
  const first = holders[0];
  if (first === undefined) return new Error(`no process owns socket inode ${inode}`);
  const keys = new Set(holders.map((h) => identityKey(h.chain)));
  if (keys.size > 1) {
    const exes = [...new Set(holders.map((h) => h.chain[0] ?? "(unreadable)"))];
    const named = exes.slice(0, NAMED_AT_MOST).join(", ");
    const more = exes.length > NAMED_AT_MOST
      ? ", ..."
      : exes.length === 1
      ? " with different ancestors"
      : "";
    return new Error(
      `${AMBIGUOUS_IDENTITY}: socket inode ${inode} is shared by ${holders.length} processes ` +
        `that are not the same requester (${named}${more}); connect from the process that ` +
        `opened the socket, without handing it to another program`,
    );
  }
  if (first.chain.length === 0) return new Error(`cannot read the executable of pid ${first.pid}`);
  return { exe: first.chain[0]!, ancestors: first.chain.slice(1), pid: first.pid };
}

function identityKey(chain: readonly string[]): string {
  if (chain.length === 0) return "";
  // Own executable, then the sorted set of every executable a binary rule could match.
  return JSON.stringify([chain[0], [...new Set(chain)].sort()]);
}

// Reading chains this long gives the event loop a turn: a socket may have thousands of holders.
const TURN_MS = 4;

/**
 * Every live holder among `pids` with its chain (`chainOf`; null: the pid is not a process of
 * this sandbox, which fails the lookup; a holder that exited while we looked holds nothing),
 * with a turn of the event loop every 4 ms of reading. A client can hand one socket to
 * thousands of processes (fork, SCM_RIGHTS), and each chain is read on the proxy's event loop
 * (0.35-0.45 ms here): in one piece, a lookup of 450 holders held every other client of a
 * shared proxy about 200 ms.
 *
 * @throws {Error} When a pid is not a process of this sandbox.
 */
export async function readHolders(
  pids: readonly number[],
  chainOf: (pid: number) => string[] | null,
  alive: (pid: number) => boolean,
): Promise<SocketHolder[]> {
  const holders: SocketHolder[] = [];
  let turned = performance.now();
  for (const pid of pids) {
    if (performance.now() - turned > TURN_MS) {
      await new Promise((resolve) => setTimeout(resolve, 0));
      turned = performance.now();
    }
    const chain = chainOf(pid);
    if (chain === null) throw new Error(`requester pid ${pid} is not a process of this sandbox`);
    if (chain.length > 0 || alive(pid)) holders.push({ pid, chain });
  }
  return holders;
}

/**
 * The holders that still count once the socket's holders are read again (`holdingNow`, read
 * after every chain). A program started by a client inherits the client's socket between
 * fork and exec, until close-on-exec (or bash's `3>&-`) drops it: read in that window, the
 * child was a second holder whose executable, read an instant later, was already the new
 * program, and a client that was still connected was refused `ambiguous_identity`.
 *
 * A holder that let its copy go is dropped only when its chain covers the chain of a holder
 * that still holds the socket (the child's chain adds its own executable to its parent's):
 * a binary rule matches the requester or any ancestor, so the one left never has a right the
 * dropped one would not have had alone. Python that handed its socket to a `curl` it started
 * and then closed its copy is not covered by curl's chain: still `ambiguous_identity`.
 */
export function withoutReleased(
  holders: readonly SocketHolder[],
  holdingNow: ReadonlySet<number>,
): SocketHolder[] {
  const holding = holders.filter((h) => holdingNow.has(h.pid) && h.chain.length > 0);
  return holders.filter((h) => {
    if (holdingNow.has(h.pid)) return true;
    // Unreadable and holding nothing now: it exited (a zombie's executable cannot be read),
    // and a holder that exited while we looked holds nothing (see readHolders).
    if (h.chain.length === 0) return false;
    const own = new Set(h.chain);
    return !holding.some((other) => other.chain.every((exe) => own.has(exe)));
  });
}

// A second look reads this many holders at most, in one piece on the event loop: a started
// program is one or two; hundreds of covering holders (a socket forked to many children) stay
// ambiguous rather than hold every other client while their descriptors are read.
const MAX_SECOND_LOOKS = 8;

/**
 * The pids worth a second look ({@linkcode withoutReleased} could drop them: their chain covers
 * another holder's, or could not be read), or none when there are more than a second look reads.
 */
export function secondLooks(holders: readonly SocketHolder[]): number[] {
  const readable = holders.filter((h) => h.chain.length > 0);
  const pids = holders.filter((h) => {
    if (h.chain.length === 0) return true;
    const own = new Set(h.chain);
    return readable.some((o) => o !== h && o.chain.every((exe) => own.has(exe)));
  }).map((h) => h.pid);
  return pids.length > MAX_SECOND_LOOKS ? [] : pids;
}
