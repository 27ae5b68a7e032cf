/**
 * The gateway's credentials, kept apart by role (ARCHITECTURE §8): a **proxy** credential per
 * sandbox (submit proposals, read that sandbox's own proposals and policy, subscribe to that
 * policy) and a **reviewer** credential per named person (approve, reject, read everything).
 * Each is a random token shown once; only its SHA-256 is kept, as
 * `STATE/credentials/<sha256 hex>.json` (directory 0700, file 0600, written through a
 * temporary file and a rename), so that a lookup is one file read and a stolen state
 * directory holds no usable secret.
 *
 * @module
 */

import { createHash, randomBytes } from "node:crypto";
import { join } from "node:path";
import { writeFileAtomic } from "../repo/mod.ts";

/** What a credential may do. */
export type CredentialRole = "proxy" | "reviewer";

/** A stored credential (its token is never stored). */
export interface Credential {
  /** `proxy` or `reviewer`. */
  role: CredentialRole;
  /** The reviewer's name, or the proxy's sandbox id. */
  name: string;
  /** Proxy only: the sandbox whose proposals it may read. */
  sandbox?: string;
  /** Proxy only: the one policy it may read, propose to and follow. */
  policy?: string;
  /** ISO creation time. */
  created: string;
}

/** A reviewer name: what `Approved-By` shows, so one plain word. */
const REVIEWER_NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;
/** Tokens are `tg_<role>_<43 base64url chars>`; anything longer is not looked up. */
const TOKEN = /^[A-Za-z0-9_-]{16,128}$/;
const DIR = "credentials";

/**
 * Credentials of one state directory.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CredentialStore } from "./credential_store.ts";
 * const dir = await Deno.makeTempDir();
 * const store = new CredentialStore(dir);
 * const token = await store.addReviewer("alice");
 * assert.equal((await store.find(token))?.name, "alice");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class CredentialStore {
  readonly #dir: string;

  /** Credentials kept in `stateDir/credentials/`. */
  constructor(stateDir: string) {
    this.#dir = join(stateDir, DIR);
  }

  /**
   * Create reviewer `name` and return its token (shown once; only its hash is stored).
   *
   * @throws {TypeError} for a name that is not one plain word
   * @throws {Deno.errors.AlreadyExists} when that reviewer exists
   */
  async addReviewer(name: string): Promise<string> {
    if (!REVIEWER_NAME.test(name)) {
      throw new TypeError(
        `Invalid reviewer name "${name.slice(0, 80)}": use letters, digits, '.', '_', '@' or '-'`,
      );
    }
    if ((await this.listReviewers()).some((r) => r.name === name)) {
      throw new Deno.errors.AlreadyExists(`Reviewer "${name}" exists already`);
    }
    return await this.#create({ role: "reviewer", name, created: new Date().toISOString() });
  }

  /** Every reviewer, by name. */
  async listReviewers(): Promise<Credential[]> {
    const all = (await this.#all()).map(([, c]) => c).filter((c) => c.role === "reviewer");
    return all.sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Remove reviewer `name`; false when there was none. Its token stops working at once. */
  async removeReviewer(name: string): Promise<boolean> {
    return await this.#removeWhere((c) => c.role === "reviewer" && c.name === name);
  }

  /**
   * A new proxy credential for a sandbox following `policy`: a new sandbox, or
   * `options.sandbox` (a new id, or with `rejoin` one a proxy already has: the caller checked
   * it may claim it, see `sandbox_id.ts`).
   *
   * @throws {TypeError} for a sandbox id that is not one plain word, or whose credentials
   *   here follow another policy (a sandbox follows one policy)
   */
  async enrolProxy(
    policy: string,
    options: { sandbox?: string; rejoin?: boolean } = {},
  ): Promise<{ sandbox: string; token: string }> {
    const sandbox = options.sandbox ?? `sb-${randomBytes(6).toString("hex")}`;
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(sandbox)) throw new TypeError("Invalid sandbox id");
    const other = options.rejoin &&
      (await this.#all()).find(([, c]) =>
        c.role === "proxy" && c.sandbox === sandbox && c.policy !== policy
      );
    if (other) {
      throw new TypeError(
        `Sandbox "${sandbox}" follows policy "${other[1].policy}", not "${policy}"`,
      );
    }
    const created = new Date().toISOString();
    const token = await this.#create({ role: "proxy", name: sandbox, sandbox, policy, created });
    return { sandbox, token };
  }

  /** Forget a sandbox's proxy credential (its proxy stopped); false when there was none. */
  async retireProxy(sandbox: string): Promise<boolean> {
    return await this.#removeWhere((c) => c.role === "proxy" && c.sandbox === sandbox);
  }

  /** The credential a token belongs to, or undefined. */
  async find(token: string): Promise<Credential | undefined> {
    if (!TOKEN.test(token)) return undefined;
    return await this.findByDigest(hash(token));
  }

  /** The credential whose token has SHA-256 hex `digest` (an inbox session re-checks it). */
  async findByDigest(digest: string): Promise<Credential | undefined> {
    if (!/^[0-9a-f]{64}$/.test(digest)) return undefined;
    try {
      return parse(await Deno.readTextFile(join(this.#dir, `${digest}.json`)));
    } catch (error) {
      if (error instanceof Deno.errors.NotFound || error instanceof SyntaxError) return undefined;
      throw error;
    }
  }

  async #create(credential: Credential): Promise<string> {
    await Deno.mkdir(this.#dir, { recursive: true, mode: 0o700 });
    const token = `tg_${credential.role === "proxy" ? "prx" : "rev"}_${
      randomBytes(32).toString("base64url")
    }`;
    const path = join(this.#dir, `${hash(token)}.json`);
    await writeFileAtomic(path, JSON.stringify(credential) + "\n", { mode: 0o600 });
    return token;
  }

  async #removeWhere(match: (c: Credential) => boolean): Promise<boolean> {
    let removed = false;
    for (const [file, credential] of await this.#all()) {
      if (!match(credential)) continue;
      await Deno.remove(join(this.#dir, file)).catch(() => {});
      removed = true;
    }
    return removed;
  }

  async #all(): Promise<[string, Credential][]> {
    const found: [string, Credential][] = [];
    try {
      for await (const entry of Deno.readDir(this.#dir)) {
        if (!/^[0-9a-f]{64}\.json$/.test(entry.name)) continue;
        const text = await Deno.readTextFile(join(this.#dir, entry.name)).catch(() => undefined);
        const credential = text === undefined ? undefined : safeParse(text);
        if (credential) found.push([entry.name, credential]);
      }
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
    return found;
  }
}

function hash(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

function parse(text: string): Credential {
  const value = JSON.parse(text) as Credential;
  if (value.role !== "proxy" && value.role !== "reviewer") throw new SyntaxError("Bad role");
  if (typeof value.name !== "string") throw new SyntaxError("Bad name");
  if (value.role === "proxy" && (!value.sandbox || !value.policy)) {
    throw new SyntaxError("A proxy credential needs its sandbox and policy");
  }
  return value;
}

function safeParse(text: string): Credential | undefined {
  try {
    return parse(text);
  } catch {
    return undefined;
  }
}
