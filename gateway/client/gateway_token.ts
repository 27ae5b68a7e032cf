/**
 * The gateway's bearer token: 32 random bytes in `STATE/gateway.token` (mode 0600), created
 * on first run and shared with the proxies and the CLI that run beside it.
 *
 * @module
 */

import { randomBytes } from "node:crypto";
import { join } from "node:path";

/** File name of the token inside the state directory. */
export const TOKEN_FILE = "gateway.token";

/**
 * Read the gateway token of a state directory.
 *
 * @throws {Deno.errors.NotFound} when no gateway has run from that directory yet
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ensureGatewayToken, readGatewayToken } from "./gateway_token.ts";
 * const dir = await Deno.makeTempDir();
 * await assert.rejects(readGatewayToken(dir), Deno.errors.NotFound);
 * const token = await ensureGatewayToken(dir);
 * assert.equal(await readGatewayToken(dir), token);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function readGatewayToken(stateDir: string): Promise<string> {
  const token = (await Deno.readTextFile(join(stateDir, TOKEN_FILE))).trim();
  if (!/^[A-Za-z0-9_-]{32,128}$/.test(token)) {
    throw new Error(`Invalid gateway token in "${join(stateDir, TOKEN_FILE)}"`);
  }
  return token;
}

/**
 * Read the token, creating it (0600, exclusively) when missing; a token file that others can
 * read is tightened to 0600.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ensureGatewayToken } from "./gateway_token.ts";
 * const dir = await Deno.makeTempDir();
 * const token = await ensureGatewayToken(dir);
 * assert.equal(await ensureGatewayToken(dir), token); // created once, then read
 * assert.equal((await Deno.stat(`${dir}/gateway.token`)).mode! & 0o777, 0o600);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function ensureGatewayToken(stateDir: string): Promise<string> {
  await Deno.mkdir(stateDir, { recursive: true, mode: 0o700 });
  const path = join(stateDir, TOKEN_FILE);
  try {
    const file = await Deno.open(path, { write: true, createNew: true, mode: 0o600 });
    try {
      await file.write(new TextEncoder().encode(randomBytes(32).toString("base64url") + "\n"));
      await file.sync();
    } finally {
      file.close();
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
  }
  const mode = (await Deno.stat(path)).mode;
  if (mode !== null && (mode & 0o077) !== 0) await Deno.chmod(path, 0o600);
  return await readGatewayToken(stateDir);
}
