/**
 * The gateway's memory of the policies it loaded: the last few loaded texts, reused while the
 * text is the same. A status read, a submit and an approval all start from the current policy;
 * on a 10,000-rule file each load is hundreds of ms, so they share one, and an approval loads
 * only the new text it writes (and leaves that here for the next reader). The candidates status
 * reads compute are kept apart: an agent asking after more proposals than the cache holds would
 * otherwise push the current policies and the ceiling out, and every ask would load them again.
 *
 * @module
 */

import { LruMap } from "../../proxy/lru/mod.ts";
import { type LoadedPolicy, loadPolicyText } from "../../proxy/policy/mod.ts";

/** A loaded policy beside the exact text it was loaded from. */
interface Entry {
  text: string;
  loaded: LoadedPolicy;
}

/**
 * The last few loaded policies, keyed on their file name and exact text.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PolicyCache } from "./policy_cache.ts";
 * const cache = new PolicyCache();
 * const a = cache.load("version: 1\n", "team.yaml");
 * assert(cache.load("version: 1\n", "team.yaml") === a && cache.loads === 1);
 * ```
 */
export class PolicyCache {
  readonly #byText: LruMap<string, Entry>;
  readonly #candidates: LruMap<string, Entry>;
  #loads = 0;

  /**
   * A cache of the last `size` loaded texts, and apart from them the last `size` candidates.
   *
   * @param size how many loaded texts to keep of each kind
   */
  constructor(size = 8) {
    this.#byText = new LruMap(size);
    this.#candidates = new LruMap(size);
  }

  /** How many texts were actually parsed and compiled (a cache hit does not count). */
  get loads(): number {
    return this.#loads;
  }

  /**
   * The loaded form of `text` as `file`, parsed only when this exact text was not loaded lately.
   *
   * @throws {PolicyValidationError} when the text is not a valid policy
   */
  load(text: string, file: string): LoadedPolicy {
    const key = keyOf(text, file);
    const known = sameText(this.#byText.get(key), text);
    if (known) return known;
    // A candidate read before, now the file's text (approved): it joins the policies.
    const loaded = sameText(this.#candidates.peek(key), text) ?? this.#parse(text, file);
    this.#candidates.delete(key);
    this.#byText.set(key, { text, loaded });
    return loaded;
  }

  /**
   * As {@linkcode load}, for a text that may never be a file's (a status read's candidate): kept
   * apart, so candidates push out only candidates.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { PolicyCache } from "./policy_cache.ts";
   * const cache = new PolicyCache(1);
   * const current = cache.load("version: 1\n", "team.yaml");
   * cache.loadCandidate("version: 1\nrevision: 1\n", "team.yaml");
   * cache.loadCandidate("version: 1\nrevision: 2\n", "team.yaml");
   * assert(cache.load("version: 1\n", "team.yaml") === current && cache.loads === 3);
   * ```
   * @throws {PolicyValidationError} when the text is not a valid policy
   */
  loadCandidate(text: string, file: string): LoadedPolicy {
    const key = keyOf(text, file);
    const known = sameText(this.#byText.get(key), text) ??
      sameText(this.#candidates.get(key), text);
    if (known) return known;
    const loaded = this.#parse(text, file);
    this.#candidates.set(key, { text, loaded });
    return loaded;
  }

  #parse(text: string, file: string): LoadedPolicy {
    this.#loads++;
    return loadPolicyText(text, file);
  }
}

/**
 * The map key of a text: its file and length, not the text itself. A key built from a
 * megabyte text is a new string to flatten and hash on every lookup (5-130 ms per lookup of a
 * 10,000-rule policy here, three lookups per approval); two texts of one length share a slot,
 * and the entry's own text tells them apart.
 */
function keyOf(text: string, file: string): string {
  return `${file}\n${text.length}`;
}

/** The entry's policy when it was loaded from exactly `text`. */
function sameText(entry: Entry | undefined, text: string): LoadedPolicy | undefined {
  return entry?.text === text ? entry.loaded : undefined;
}
