/**
 * The names in `pending/` and the ids they hold, shared by the search for applied proposals
 * and the recovery's sweeps.
 *
 * @module
 */

import { join } from "node:path";

/** The names in a directory (none when it is missing). */
export async function entryNames(at: string): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(at)) names.push(entry.name);
  } catch {
    // Missing or unreadable: nothing to sweep there.
  }
  return names;
}

/** The ids of the pending patches. */
export async function pendingIds(dir: string): Promise<Set<string>> {
  const names = await entryNames(join(dir, "pending"));
  return new Set(names.filter((n) => n.endsWith(".patch")).map((n) => n.slice(0, -6)));
}
