/**
 * The problem collector shared by every validator: validators walk plain values and report
 * each problem with the path of the offending node; callers map paths to positions (YAML)
 * or to `endpoints[0].port` strings (JSON).
 *
 * @module
 */

// One list with what the gateway makes visible for reviewers (see unicode/).
import { invisibleCharacter } from "../unicode/mod.ts";

/** A path into a plain value: map keys and list indexes. */
export type ValuePath = (string | number)[];

/** One problem: where (the key or the value at `path`) and what. */
export interface Problem {
  /** Where in the value: map keys and list indexes from the root. */
  path: ValuePath;
  /** Whether the key at `path` or its value is at fault. */
  at: "key" | "value";
  /** What is wrong, in one line. */
  message: string;
}

/** A plain object (map) as parsed from YAML or JSON. */
export type PlainMap = Record<string, unknown>;

/** Collects problems and warnings; validators never stop at the first one. */
export class Checker {
  /** The problems found so far, in the order met. */
  readonly problems: Problem[] = [];
  /** Accepted but worth a reader's attention (OpenShell warns on the same input). */
  readonly warnings: Problem[] = [];
  /** True when no string of the value can hold an invisible character (see the constructor). */
  readonly allVisible: boolean;

  /**
   * `source`: the JSON or YAML text the value was read from. A string of the value holds only
   * characters of the text, or characters an escape spelled, and every escape (JSON's or a
   * double-quoted YAML scalar's) starts with a backslash: a text with neither an invisible
   * character nor a backslash yields none, so one native scan replaces a walk of every node.
   */
  constructor(source?: string) {
    this.allVisible = source !== undefined && !source.includes("\\") &&
      invisibleCharacter(source) === undefined;
  }

  /** Record a warning about the value at `path` (or its key); it does not block loading. */
  warn(path: ValuePath, message: string, at: "key" | "value" = "value"): void {
    this.warnings.push({ path, at, message });
  }

  /** Report a problem with the value at `path` (or its key). */
  report(path: ValuePath, message: string, at: "key" | "value" = "value"): void {
    this.problems.push({ path, at, message });
  }

  /** True when `value` is a map; otherwise reports `what` must be a map. */
  map(value: unknown, path: ValuePath, what: string): value is PlainMap {
    if (isMap(value)) return true;
    this.report(path, `${what} must be a map, got ${describe(value)}`);
    return false;
  }

  /** Report every key of `obj` not in `allowed`. */
  knownKeys(obj: PlainMap, allowed: readonly string[], path: ValuePath, where: string): void {
    for (const key of Object.keys(obj)) {
      if (!allowed.includes(key)) {
        this.report([...path, key], `Unknown key "${key}" in ${where}`, "key");
      }
    }
  }

  /** A string at `obj[key]`, or undefined (reported when present and not a string). */
  string(obj: PlainMap, key: string, path: ValuePath): string | undefined {
    const v = obj[key];
    if (v === undefined) return undefined;
    if (typeof v === "string") return v;
    this.report([...path, key], `Key "${key}" must be a string, got ${describe(v)}`);
    return undefined;
  }

  /** A boolean at `obj[key]`, or undefined (reported when present and not a boolean). */
  boolean(obj: PlainMap, key: string, path: ValuePath): boolean | undefined {
    const v = obj[key];
    if (v === undefined) return undefined;
    if (typeof v === "boolean") return v;
    this.report([...path, key], `Key "${key}" must be true or false, got ${describe(v)}`);
    return undefined;
  }

  /** One of `choices` at `obj[key]`, or undefined (reported when present and not allowed). */
  choice<T extends string>(
    obj: PlainMap,
    key: string,
    choices: readonly T[],
    path: ValuePath,
    what: string,
  ): T | undefined {
    const v = obj[key];
    if (v === undefined) return undefined;
    if (typeof v === "string" && (choices as readonly string[]).includes(v)) return v as T;
    const list = choices.map((c) => `"${c}"`).join(", ");
    this.report([...path, key], `Unknown ${what} ${describe(v)}: use one of ${list}`);
    return undefined;
  }

  /** A list at `obj[key]`, or undefined (reported when present and not a list). */
  list(obj: PlainMap, key: string, path: ValuePath): unknown[] | undefined {
    const v = obj[key];
    if (v === undefined) return undefined;
    if (Array.isArray(v)) return v;
    this.report([...path, key], `Key "${key}" must be a list, got ${describe(v)}`);
    return undefined;
  }
}

/** True for a plain map (not null, not a list). */
export function isMap(value: unknown): value is PlainMap {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A short, quoted description of a value for messages (`"abc"`, `"42"`, `a list`). */
export function describe(value: unknown): string {
  if (value === null || value === undefined) return "nothing";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a map";
  const text = String(value);
  return JSON.stringify(text.length > 60 ? text.slice(0, 57) + "..." : text);
}

/** Render a path as `endpoints[0].port` (JSON proposals). */
export function formatValuePath(path: ValuePath): string {
  let out = "";
  for (const p of path) out += typeof p === "number" ? `[${p}]` : out === "" ? p : `.${p}`;
  return out;
}

/** True when the text holds a C0/C1 control character or DEL. */
export function hasControl(text: string): boolean {
  // deno-lint-ignore no-control-regex
  return /[\x00-\x1f\x7f-\x9f]/.test(text);
}

/** Report every key and string under `value` that holds an invisible or bidi character. */
export function reportInvisible(c: Checker, value: unknown, path: ValuePath): void {
  // Almost every policy has none: look first without building a path for every node.
  if (!c.allVisible && hasInvisible(value)) reportInvisibleAt(c, value, path);
}

function hasInvisible(value: unknown): boolean {
  if (typeof value === "string") return invisibleCharacter(value) !== undefined;
  if (Array.isArray(value)) return value.some(hasInvisible);
  if (!isMap(value)) return false;
  for (const key in value) {
    if (
      Object.hasOwn(value, key) &&
      (invisibleCharacter(key) !== undefined || hasInvisible(value[key]))
    ) return true;
  }
  return false;
}

function reportInvisibleAt(c: Checker, value: unknown, path: ValuePath): void {
  if (typeof value === "string") {
    const ch = invisibleCharacter(value);
    if (ch) c.report(path, `Text must not contain invisible or bidi characters (${ch})`);
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => reportInvisibleAt(c, item, [...path, i]));
  } else if (isMap(value)) {
    for (const [key, item] of Object.entries(value)) {
      const ch = invisibleCharacter(key);
      if (ch) {
        c.report(
          [...path, key],
          `Key must not contain invisible or bidi characters (${ch})`,
          "key",
        );
      }
      reportInvisibleAt(c, item, [...path, key]);
    }
  }
}
