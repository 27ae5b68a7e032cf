/**
 * The daily files of one log directory as a writer sees them: the current segment of each
 * day (a new one past the size limit) with its denials file, held under a shared lock so that
 * no other writer's budget deletes it; retention at each new segment; and whole-line appends
 * that remember a partial line they could not cut back.
 *
 * @module
 */

import { join } from "node:path";
import { appendLines, appendLinesSync, type AppendOutcome } from "./_append_lines.ts";
import type { DayLines } from "./_log_lines.ts";
import { type BudgetCut, pruneLogFiles, type Retention } from "./_log_retention.ts";
import { currentSegment, fileSize, logFileNames } from "./ocsf_log_files.ts";

interface OpenFiles {
  day: string;
  json: Deno.FsFile;
  denied: Deno.FsFile;
  /** Bytes in the JSON file (as of opening, plus what was written since). */
  size: number;
}

const encoder = new TextEncoder();

type Kind = "json" | "denied";

/**
 * Writes the lines of a day to that day's current segment: every event to the JSONL file,
 * the denials again to the denials file. The denials file is created with the segment, even
 * while it has no denial, because its existence tells a reader that it is complete.
 */
export class DayFiles {
  readonly #dir: string;
  readonly #maxFileBytes: number;
  readonly #retention: Retention;
  readonly #onCut: (cut: BudgetCut) => void;
  #dirReady = false;
  /** The segment retention last ran for: it runs once per segment this writer starts. */
  #prunedFor = "";
  /** A partial line could not be cut back: start the next write on a new line. */
  #torn = { json: false, denied: false };
  #open: OpenFiles | undefined;
  /** The denials file last known to exist (the synchronous path creates it once). */
  #deniedReady = "";

  constructor(
    dir: string,
    maxFileBytes: number,
    retention: Retention,
    onCut: (cut: BudgetCut) => void,
  ) {
    this.#dir = dir;
    this.#maxFileBytes = maxFileBytes;
    this.#retention = retention;
    this.#onCut = onCut;
  }

  /** Append through files opened and closed for this call; throws when they cannot open. */
  writeSync(day: string, lines: DayLines): AppendOutcome {
    const names = this.#prepare(day);
    const json = this.#appendSync(join(this.#dir, names.json), "json", lines.json);
    const deniedPath = join(this.#dir, names.denied);
    // A denial the day file did not take stays out of the denials file too.
    if (json.error === undefined && (lines.denied || this.#deniedReady !== deniedPath)) {
      this.#appendSync(deniedPath, "denied", lines.denied);
      this.#deniedReady = deniedPath;
    }
    return json;
  }

  /** Append through files kept open (see {@linkcode DayFiles.close}); throws when they cannot open. */
  async write(day: string, lines: DayLines): Promise<AppendOutcome> {
    const files = this.#filesFor(day);
    const bytes = this.#encode("json", lines.json);
    const json = await appendLines(files.json, bytes);
    let denied: AppendOutcome | undefined;
    if (json.error === undefined && lines.denied) {
      denied = await appendLines(files.denied, this.#encode("denied", lines.denied));
    }
    return this.#wrote(files, bytes, json, denied);
  }

  /**
   * {@linkcode DayFiles.write}, done before returning: no trip through the runtime's file
   * threads, for an event whose answer waits on its line (a denial).
   */
  writeKeptSync(day: string, lines: DayLines): AppendOutcome {
    const files = this.#filesFor(day);
    const bytes = this.#encode("json", lines.json);
    const json = appendLinesSync(files.json, bytes);
    let denied: AppendOutcome | undefined;
    if (json.error === undefined && lines.denied) {
      denied = appendLinesSync(files.denied, this.#encode("denied", lines.denied));
    }
    return this.#wrote(files, bytes, json, denied);
  }

  /** Book a kept-open append: torn lines, the file's size, and when to let the files go. */
  #wrote(
    files: OpenFiles,
    bytes: Uint8Array,
    json: AppendOutcome,
    denied: AppendOutcome | undefined,
  ): AppendOutcome {
    this.#torn.json = json.torn ?? false;
    if (denied) this.#torn.denied = denied.torn ?? false;
    files.size += bytes.byteLength;
    // A failed write starts again from fresh handles; a full file from the next segment.
    if (json.error !== undefined || files.size >= this.#maxFileBytes) this.close();
    return json;
  }

  /** Close the files kept open. */
  close(): void {
    const files = this.#open;
    this.#open = undefined;
    files?.json.close();
    files?.denied.close();
  }

  #appendSync(path: string, kind: Kind, text: string): AppendOutcome {
    const file = openAppend(path);
    try {
      // Nothing to write: the file now exists, which is all that was asked.
      if (text === "") return { droppedLines: 0 };
      const outcome = appendLinesSync(file, this.#encode(kind, text));
      this.#torn[kind] = outcome.torn ?? false;
      return outcome;
    } finally {
      file.close();
    }
  }

  /** The bytes of `text`, after a newline when the file's last write left a partial line. */
  #encode(kind: Kind, text: string): Uint8Array {
    return encoder.encode(this.#torn[kind] ? `\n${text}` : text);
  }

  /**
   * The names of the day's current segment, once the directory exists and retention ran:
   * at the first write (a start), and whenever this writer starts another segment.
   */
  #prepare(day: string): { json: string; denied: string } {
    if (!this.#dirReady) {
      Deno.mkdirSync(this.#dir, { recursive: true });
      this.#dirReady = true;
    }
    const names = logFileNames(day, currentSegment(this.#dir, day, this.#maxFileBytes));
    if (this.#prunedFor === names.json) return names;
    this.#prunedFor = names.json;
    const { cut } = pruneLogFiles(this.#dir, day, this.#retention);
    if (!cut) return names;
    this.#onCut(cut);
    // The budget may have deleted the segment named (nobody held it): go on in the next.
    const next = logFileNames(day, currentSegment(this.#dir, day, this.#maxFileBytes));
    this.#prunedFor = next.json;
    return next;
  }

  #filesFor(day: string): OpenFiles {
    if (this.#open?.day === day) return this.#open;
    this.close();
    const names = this.#prepare(day);
    const jsonPath = join(this.#dir, names.json);
    const json = openAppend(jsonPath);
    try {
      const denied = openAppend(join(this.#dir, names.denied));
      this.#open = { day, json, denied, size: fileSize(jsonPath) };
    } catch (error) {
      json.close();
      throw error;
    }
    return this.#open;
  }
}

/**
 * Open a log file to append to, under a shared lock: the budget of any writer of the
 * directory deletes only files nobody holds. A file deleted between our open and our lock
 * is opened again (its name now makes a new file).
 */
function openAppend(path: string): Deno.FsFile {
  for (let attempt = 0;; attempt++) {
    const file = Deno.openSync(path, { append: true, create: true });
    try {
      file.lockSync(false);
      if (file.statSync().nlink !== 0 || attempt >= 3) return file;
    } catch (error) {
      file.close();
      throw error;
    }
    file.close();
  }
}
