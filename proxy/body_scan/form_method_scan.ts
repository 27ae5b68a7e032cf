/**
 * Method overrides carried in a POST's form body (`_method=DELETE`), found as the body streams
 * past: Rails' `Rack::MethodOverride`, Laravel and Symfony let such a POST act as the method the
 * field names (Laravel also a JSON body's top-level `_method`). The scanner reads what those parsers read, and a little more where they differ
 * (a key Rack or PHP would read as `_method`, a boundary either would split on), so that no
 * reading of the body an origin may take hides a method from the policy.
 *
 * @module
 */

import { values } from "../wire/mod.ts";
import type { HeaderField } from "../wire/mod.ts";
import {
  type BodyScanner,
  type BudgetSpent,
  FieldNames,
  isStop,
  NONE,
  type ScanResult,
} from "./_form_fields.ts";
import {
  type BudgetedInflateOptions,
  inflatedScanner,
  type InflateOptions,
  type ScanInflating,
} from "./_inflated_scan.ts";
import { JsonScanner } from "./_json_scan.ts";
import { MultipartScanner } from "./_multipart_scan.ts";
import { UrlencodedScanner } from "./_urlencoded_scan.ts";

export type { BodyScanner, BudgetedInflateOptions, InflateOptions };
export { FieldNames };

/**
 * The scanner for a request's body, or undefined when no origin reads a method override from
 * it: only a POST (Rack, Symfony and Laravel override nothing else), with a form body
 * (`application/x-www-form-urlencoded`, or no `Content-Type`, which Rack reads as a form), any
 * `multipart/*` body with a boundary, or a JSON body (Laravel reads its top-level members). A
 * compressed form or JSON body is read as sent and inflated too (see `_inflated_scan.ts`),
 * as `inflating` says (a proxy's inflate worker, its body budget).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formMethodScanner } from "./form_method_scan.ts";
 * const form = [["Content-Type", "application/x-www-form-urlencoded"]] as [string, string][];
 * const scanner = formMethodScanner("POST", form)!;
 * assert.deepEqual(scanner.push(new TextEncoder().encode("a=1&%5Fmethod=DEL")), []);
 * assert.deepEqual(scanner.push(new TextEncoder().encode("ETE")), []);
 * assert.deepEqual(scanner.end(), ["DELETE"]);
 * assert.equal(formMethodScanner("PUT", form), undefined);
 * ```
 */
export function formMethodScanner(
  method: string,
  headers: HeaderField[],
  inflating?: InflateOptions & { hold?: undefined },
  names?: FieldNames,
): BodyScanner | undefined;
/**
 * The same, its compressed body's copy held in the body budget through `inflating.hold`: its
 * scan may stop with {@linkcode BudgetSpent}.
 */
export function formMethodScanner(
  method: string,
  headers: HeaderField[],
  inflating: BudgetedInflateOptions,
  names?: FieldNames,
): BodyScanner<BudgetSpent> | undefined;
// Without `hold` no scanner it builds holds budget, so none stops with BudgetSpent.
export function formMethodScanner(
  method: string,
  headers: HeaderField[],
  inflating?: ScanInflating,
  names?: FieldNames,
): BodyScanner<BudgetSpent> | undefined {
  const post = method.toUpperCase() === "POST";
  if (!post && names === undefined) return undefined;
  const scanner = bodyScanner(headers, inflating, names);
  // Only a POST's `_method` overrides (Rack, Symfony); other bodies are read for `names`.
  return post || scanner === undefined ? scanner : new FieldsOnly(scanner);
}

function bodyScanner(
  headers: HeaderField[],
  inflating: ScanInflating | undefined,
  names: FieldNames | undefined,
): BodyScanner<BudgetSpent> | undefined {
  const types = values(headers, "content-type");
  if (types.length === 0) return new UrlencodedScanner(names);
  const scanners: BodyScanner<BudgetSpent>[] = [];
  for (const type of types) {
    const media = mediaType(type);
    // Rack reads a POST whose media type is empty as a form, as it reads one without any; PHP
    // ends the media type at a space too (`application/x-www-form-urlencoded x` is a form).
    const form = [media, phpMediaType(type)].some((m) =>
      m === "application/x-www-form-urlencoded" || m === ""
    );
    // Laravel's test for JSON: `/json` or `+json` anywhere in the header, so a form or multipart
    // type with such a parameter is JSON there and a form or multipart body to Rack and PHP.
    const json = /[/+]json/.test(type.toLowerCase());
    const multipart = media.startsWith("multipart/");
    const charset = form || json ? otherCharset(type) : undefined;
    if (charset !== undefined) {
      scanners.push(
        new Refused(`A form or JSON body in charset "${charset}" is not read: send it as UTF-8`),
      );
      continue;
    }
    for (const kind of [form && "form", json && "json"] as const) {
      if (kind !== false) scanners.push(...readAs(kind, headers, inflating, names));
    }
    if (multipart) {
      for (const boundary of boundaryReadings(type)) {
        scanners.push(new MultipartScanner(boundary, names));
      }
    }
  }
  if (scanners.length === 0) return undefined;
  return scanners.length === 1 ? scanners[0] : new Scanners(scanners);
}

/** The scanners of a body read as a form or as JSON: as sent, and inflated as Express reads it. */
function readAs(
  kind: "form" | "json",
  headers: HeaderField[],
  inflating: ScanInflating | undefined,
  names: FieldNames | undefined,
): BodyScanner<BudgetSpent>[] {
  const scanners: BodyScanner<BudgetSpent>[] = [
    kind === "form" ? new UrlencodedScanner(names) : new JsonScanner(names),
  ];
  // Express inflates a compressed form or JSON body before it reads `_method`.
  const inflated = inflatedScanner(values(headers, "content-encoding"), kind, inflating, names);
  if (typeof inflated === "string") scanners.push(new Refused(inflated));
  else if (inflated !== undefined) scanners.push(inflated);
  return scanners;
}

/** Rack's media type: before the first `;` or `,`, trimmed, lower case. */
function mediaType(contentType: string): string {
  return contentType.split(/[;,]/, 1)[0]!.trim().toLowerCase();
}

/** PHP's media type (`sapi_read_post_data`): before the first `;`, `,` or space, lower case. */
function phpMediaType(contentType: string): string {
  return contentType.trimStart().split(/[;, ]/, 1)[0]!.toLowerCase();
}

/** Charsets in which `_method` and a method are the ASCII bytes (UTF-8, ASCII, 8-bit sets). */
const ASCII_BYTES = /^(?:utf-?8|(?:us-)?ascii|iso-?8859-\d{1,2}|latin-?1|(?:windows|cp)-?125\d)$/;

/**
 * The first `charset` a `Content-Type` names (anywhere, quoted or not) in which `_method` is
 * not its ASCII bytes, or undefined. Express's body-parser decodes a JSON body by its charset
 * (UTF-16 with or without BOM, UTF-7: `{"+AF8-method":"DELETE"}`) before method-override reads
 * `_method`, so a body read as sent would hide it; such a body is refused instead.
 */
function otherCharset(contentType: string): string | undefined {
  for (const match of contentType.matchAll(/charset\s*=\s*(?:"([^"]*)"?|([^;,\s]*))/gi)) {
    const name = (match[1] ?? match[2] ?? "").trim().toLowerCase();
    if (!ASCII_BYTES.test(name)) return name;
  }
  return undefined;
}

/** A body no scanner reads: `problem` answers its first bytes (and its end, when empty). */
class Refused implements BodyScanner {
  #problem: string;
  constructor(problem: string) {
    this.#problem = problem;
  }
  push(): string {
    return this.#problem;
  }
  end(): string {
    return this.#problem;
  }
}

/**
 * The boundaries parsers read from one `Content-Type` (deduplicated): Rack's regular expression
 * (`boundary="?([^";,]+)`), PHP's (the first `boundary`, up to `"` when quoted, else `,`/`;`)
 * and the RFC 2045 parameter. A scanner for a boundary longer than 200 bytes refuses the body
 * on its first bytes.
 */
export function boundaryReadings(contentType: string): string[] {
  const found = new Set<string>();
  const rack = /^multipart\/.*?boundary\s*="?([^";,]+)"?/i.exec(contentType)?.[1];
  if (rack) found.add(rack);
  const at = contentType.toLowerCase().indexOf("boundary");
  const eq = at < 0 ? -1 : contentType.indexOf("=", at);
  if (eq >= 0) {
    const rest = contentType.slice(eq + 1);
    const php = rest.startsWith('"') ? rest.slice(1).split('"', 1)[0]! : rest.split(/[,;]/, 1)[0]!;
    if (php) found.add(php);
  }
  const param = /;\s*boundary\s*=\s*(?:"((?:\\.|[^"\\])*)"|([^;\s]+))/i.exec(contentType);
  const rfc = param?.[1]?.replace(/\\(.)/g, "$1") ?? param?.[2];
  if (rfc) found.add(rfc);
  return [...found];
}

/** A body whose `_method` overrides nothing (not a POST): only its problems count. */
class FieldsOnly implements BodyScanner<BudgetSpent> {
  #scanner: BodyScanner<BudgetSpent>;
  constructor(scanner: BodyScanner<BudgetSpent>) {
    this.#scanner = scanner;
  }
  push(bytes: Uint8Array): ScanResult<BudgetSpent> {
    return problemOnly(this.#scanner.push(bytes));
  }
  end(): ScanResult<BudgetSpent> | Promise<ScanResult<BudgetSpent>> {
    const end = this.#scanner.end();
    return end instanceof Promise ? end.then(problemOnly) : problemOnly(end);
  }
}

function problemOnly(result: ScanResult<BudgetSpent>): ScanResult<BudgetSpent> {
  return isStop(result) ? result : NONE;
}

/** Each reading's scanner over the same bytes; what any one finds counts. */
class Scanners implements BodyScanner<BudgetSpent> {
  #all: BodyScanner<BudgetSpent>[];
  constructor(all: BodyScanner<BudgetSpent>[]) {
    this.#all = all;
  }
  push(bytes: Uint8Array): ScanResult<BudgetSpent> {
    return merge(this.#all.map((scanner) => scanner.push(bytes)));
  }
  end(): ScanResult<BudgetSpent> | Promise<ScanResult<BudgetSpent>> {
    const ends = this.#all.map((scanner) => scanner.end());
    return ends.some((end) => end instanceof Promise) ? Promise.all(ends).then(merge) : merge(
      ends as ScanResult<BudgetSpent>[],
    );
  }
}

/** The first stop among `results` (in the scanners' order), else every method found. */
function merge(results: ScanResult<BudgetSpent>[]): ScanResult<BudgetSpent> {
  const stop = results.find(isStop);
  if (stop !== undefined) return stop;
  const found = results.flatMap((result) => isStop(result) ? [] : result);
  return found.length === 0 ? NONE : found;
}
