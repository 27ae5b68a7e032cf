/**
 * Header fields as the parser keeps them (ordered name/value pairs) and the lookups the
 * proxy needs on them.
 *
 * @module
 */

/** One header field as received: name with its original case, value without OWS. */
export type HeaderField = [name: string, value: string];

/**
 * All values of a header (case-insensitive name), in order.
 *
 * @example
 * ```ts
 * import { values } from "./header_fields.ts";
 * console.assert(values([["Host", "a"]], "host")[0] === "a");
 * ```
 */
export function values(headers: HeaderField[], lowerName: string): string[] {
  const found: string[] = [];
  for (const [name, value] of headers) {
    if (name.length === lowerName.length && name.toLowerCase() === lowerName) found.push(value);
  }
  return found;
}
