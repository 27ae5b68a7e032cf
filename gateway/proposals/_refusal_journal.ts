/**
 * The durable record of the ceiling refusals `CeilingRefusals` counts: one JSON line each
 * (`{"at": EPOCH_MS, "key": KEY}`), appended as each refusal is made, read once by a new
 * gateway, and rewritten with only the refusals still in the window now and then.
 *
 * @module
 */

import { dirname, join } from "node:path";
import { writeFileAtomic } from "../repo/mod.ts";

/** One counted refusal: when, and under which key (see `proposerKey()`). */
export interface JournalEntry {
  at: number;
  key: string;
}

/** The entries of the journal at `path` (none when it is missing); unreadable lines are skipped. */
export async function readJournal(path: string): Promise<JournalEntry[]> {
  const text = await Deno.readTextFile(path).catch(() => "");
  const entries: JournalEntry[] = [];
  for (const line of text.split("\n")) {
    if (line === "") continue;
    try {
      const { at, key } = JSON.parse(line);
      if (Number.isFinite(at) && typeof key === "string") entries.push({ at, key });
    } catch {
      // A line torn by a crash mid-append: that one refusal is lost, the rest still count.
    }
  }
  return entries;
}

/** Append one entry, making the journal's folder first when needed. */
export async function appendJournal(path: string, entry: JournalEntry): Promise<void> {
  await ensureFolder(path);
  await Deno.writeTextFile(path, `${JSON.stringify(entry)}\n`, { append: true });
}

/**
 * Replace the journal with `entries` (`writeFileAtomic`: a temporary file and a rename). An
 * append another process made in between is lost: one refusal fewer counted, never one more.
 */
export async function rewriteJournal(path: string, entries: JournalEntry[]): Promise<void> {
  await ensureFolder(path);
  await writeFileAtomic(path, entries.map((e) => `${JSON.stringify(e)}\n`).join(""));
}

/**
 * The journal's folder, kept out of Git whole (its `.gitignore` too): a remote-backed store
 * commits the policies directory, and two gateways appending to one committed file would
 * conflict on every sync.
 */
async function ensureFolder(path: string): Promise<void> {
  const folder = dirname(path);
  await Deno.mkdir(folder, { recursive: true });
  await Deno.writeTextFile(join(folder, ".gitignore"), "*\n", { createNew: true }).catch(() => {});
}
