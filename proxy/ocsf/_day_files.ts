/**
 * The daily files of one log directory as a writer sees them: the current segment of each
 * day (a new one past the size limit) with its denials file, retention of old days, and
 * whole-line appends that remember a partial line they could not cut back.
 *
 * @module
 */

import { join } from "node:path";
import { appendLines, appendLinesSync, type AppendOutcome } from "./_append_lines.ts";
import type { DayLines } from "./_log_lines.ts";
import { currentSegment, fileSize, logFileNames, pruneLogFiles } from "./ocsf_log_files.ts";

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
  readonly #keepDays: number;
  #dirReady = false;
  #prunedDay = "";
  /** A partial line could not be cut back: start the next write on a new line. */
  #torn = { json: false, denied: false };
  #open: OpenFiles | undefined;
  /** The denials file last known to exist (the synchronous path creates it once). */
  #deniedReady = "";

  constructor(dir: string, maxFileBytes: number, keepDays: number) {
    this.#dir = dir;
    this.#maxFileBytes = maxFileBytes;
    this.#keepDays = keepDays;
  }

  /** Append through files opened and closed for this call; throws when they cannot open. */
  writeSync(day: string, lines: DayLines): AppendOutcome {
    this.#prepare(day);
    const names = logFileNames(day, currentSegment(this.#dir, day, this.#maxFileBytes));
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
    const files = this.#keptFor(day);
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
    const files = this.#keptFor(day);
    const bytes = this.#encode("json", lines.json);
    const json = appendLinesSync(files.json, bytes);
    let denied: AppendOutcome | undefined;
    if (json.error === undefined && lines.denied) {
      denied = appendLinesSync(files.denied, this.#encode("denied", lines.denied));
    }
    return this.#wrote(files, bytes, json, denied);
  }

  #keptFor(day: string): OpenFiles {
    this.#prepare(day);
    return this.#filesFor(day);
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
    const file = Deno.openSync(path, { append: true, create: true });
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

  /** The directory exists, and old days are deleted once per day written. */
  #prepare(day: string): void {
    if (!this.#dirReady) {
      Deno.mkdirSync(this.#dir, { recursive: true });
      this.#dirReady = true;
    }
    if (this.#prunedDay === day) return;
    this.#prunedDay = day;
    pruneLogFiles(this.#dir, day, this.#keepDays);
  }

  #filesFor(day: string): OpenFiles {
    if (this.#open?.day === day) return this.#open;
    this.close();
    const names = logFileNames(day, currentSegment(this.#dir, day, this.#maxFileBytes));
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

function openAppend(path: string): Deno.FsFile {
  return Deno.openSync(path, { append: true, create: true });
}
