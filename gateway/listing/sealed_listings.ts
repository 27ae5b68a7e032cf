/**
 * Pending proposals as their seals list them: one small JSON file per proposal, no patch
 * parsed, findings from the seal or, when the policy moved since, from the findings cache.
 * Each says whether its findings are current (computed on the policy and ceiling
 * texts as they are now) and carries a `patch_changed` finding when the patch file's size is
 * none Tollgate wrote (approval hashes the patch and refuses any edit; a listing only notes
 * the cheap sign of one).
 *
 * @module
 */

import type { Finding } from "../../proxy/policy_local/mod.ts";
import { findingsBasis, type ListedProposal, type SealListing } from "./listed_proposal.ts";
import { type FindingsCache, readFindingsCache } from "./findings_cache.ts";

/** A pending proposal read from its seal. */
export interface SealedListing {
  /** What the listing shows. */
  proposal: ListedProposal;
  /** Its findings were computed on the current policy and ceiling texts. */
  current: boolean;
  /** Its findings came from the findings cache (not from its seal). */
  cached: boolean;
}

/** Where the texts that decide whether findings are current are. */
export interface SealedListingOptions {
  /** The org ceiling file (default `ceiling.yaml` in the policies directory). */
  ceilingFile?: string;
}

const POLICY_FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const CHANGED = "its patch file changed since it was submitted; approval will refuse it";

/**
 * The seal listings of pending proposals `ids` of `dir`, by id; a proposal whose seal has no
 * listing (written before seals had one), or whose files are gone, is left out: read it whole.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readSealedListings } from "./sealed_listings.ts";
 * const dir = await Deno.makeTempDir();
 * assert.equal((await readSealedListings(dir, ["p-20260506T170204-ab12cd"])).size, 0);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function readSealedListings(
  dir: string,
  ids: string[],
  options: SealedListingOptions = {},
): Promise<Map<string, SealedListing>> {
  const ceiling = readCeilingText(dir, options.ceilingFile);
  const bases = new Map<string, Promise<string | undefined>>();
  const basisOf = (policy: string) => {
    if (!bases.has(policy)) bases.set(policy, currentBasis(dir, policy, ceiling));
    return bases.get(policy)!;
  };
  const cache = readFindingsCache(dir);
  const seals = await readSeals(dir, ids);
  const read = await Promise.all(seals.map((seal) => listingOf(seal, basisOf, cache)));
  return new Map(read.filter((r) => r !== undefined).map((r) => [r.proposal.id, r]));
}

/**
 * Seals read per turn of the event loop. Read through the async API, 10,000 small files took
 * 300-480 ms on this VM (a blocking-pool task and a promise per call); synchronously 65-85 ms,
 * so a batch holds the loop for about 10 ms and other requests are served between batches.
 */
const BATCH = 1000;

// deno-lint-ignore no-explicit-any
type Seal = { id: string; seal: any; size: number };

async function readSeals(dir: string, ids: string[]): Promise<Seal[]> {
  const seals: Seal[] = [];
  for (let start = 0; start < ids.length; start += BATCH) {
    if (start > 0) await new Promise((resolve) => setTimeout(resolve, 0));
    for (const id of ids.slice(start, start + BATCH)) {
      const seal = readJsonSync(`${dir}/pending/.index/${id}.json`);
      if (seal?.id !== id) continue;
      const size = statSize(`${dir}/pending/${id}.patch`);
      if (size !== undefined) seals.push({ id, seal, size });
    }
  }
  return seals;
}

async function currentBasis(
  dir: string,
  policy: string,
  ceiling: Promise<string | undefined>,
): Promise<string | undefined> {
  if (!POLICY_FILE_NAME.test(policy)) return undefined;
  const text = await readText(`${dir}/${policy}.yaml`);
  return text === undefined ? undefined : await findingsBasis(text, await ceiling);
}

async function listingOf(
  { id, seal, size }: Seal,
  basisOf: (policy: string) => Promise<string | undefined>,
  cache: Promise<FindingsCache>,
): Promise<SealedListing | undefined> {
  const listing = seal.listing as SealListing | undefined;
  if (!Array.isArray(listing?.patchBytes) || !listing.findings) return undefined;
  const basis = await basisOf(seal.policy);
  const { bases, findings: cachedFindings } = await cache;
  const cached = listing.basis !== basis && basis !== undefined && bases[seal.policy] === basis &&
    Array.isArray(cachedFindings[id]);
  const checked = cached ? cachedFindings[id]! : listing.findings;
  const findings: Finding[] = listing.patchBytes.includes(size)
    ? checked
    : [{ severity: "refuse", code: "patch_changed", message: CHANGED }, ...checked];
  const meta = {
    policy: seal.policy,
    ...(seal.sandbox === undefined ? {} : { sandbox: seal.sandbox }),
    ...(typeof listing.workdir === "string" ? { workdir: listing.workdir } : {}),
    ruleKey: seal.ruleKey,
    ...(listing.binary === undefined ? {} : { binary: listing.binary }),
    created: listing.created,
    summary: listing.summary,
    findings,
    rationale: listing.rationale,
  };
  const current = cached || (basis !== undefined && listing.basis === basis);
  return { proposal: { id, state: "pending", meta, rule: listing.rule }, current, cached };
}

// deno-lint-ignore no-explicit-any
function readJsonSync(path: string): any {
  try {
    return JSON.parse(Deno.readTextFileSync(path));
  } catch {
    return undefined;
  }
}

function statSize(path: string): number | undefined {
  try {
    return Deno.statSync(path).size;
  } catch {
    return undefined;
  }
}

/**
 * The org ceiling's text (`ceilingFile`, default `ceiling.yaml` in `dir`); undefined when
 * there is none. Part of a proposal's findings basis.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readCeilingText } from "./sealed_listings.ts";
 * const dir = await Deno.makeTempDir();
 * assert.equal(await readCeilingText(dir), undefined);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function readCeilingText(dir: string, ceilingFile?: string): Promise<string | undefined> {
  return readText(ceilingFile ?? `${dir}/ceiling.yaml`);
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(path);
  } catch {
    return undefined;
  }
}
