/**
 * Start-up failures as one line that says what to do: an invalid policy names its first
 * problem, a busy port names its address and flag, a missing file names its flag. No raw
 * runtime error text (`os error 98`, `readfile '…'`) reaches the user.
 *
 * @module
 */

import { CliFailure } from "./context.ts";
import { fileSystemFailure } from "./_fs_failure.ts";
import { formatIssue, PolicyValidationError } from "../proxy/policy/mod.ts";

/**
 * The one line a failure is said in: an invalid policy names its first problem (and the
 * command that lists the rest), a file-system error says what to do, anything else keeps only
 * its first line. Both start-ups and `runCli()`'s last resort say errors this way;
 * `stateFlag` says whether the command has `--state` to offer.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { failureMessage } from "./_start_errors.ts";
 * import { PolicyValidationError } from "../proxy/policy/mod.ts";
 *
 * const issue = { file: "p.yaml", line: 2, col: 1, message: "Bad" };
 * assert.equal(
 *   failureMessage(new PolicyValidationError([issue, issue])),
 *   'Invalid policy: p.yaml:2:1: Bad (and 1 more: "tollgate policy validate p.yaml" lists them)',
 * );
 * assert.equal(failureMessage(new Error("Cannot start\n    at deep/inside.ts:1:1")), "Cannot start");
 * ```
 */
export function failureMessage(error: unknown, stateFlag = true): string {
  if (error instanceof PolicyValidationError) {
    const [first, ...rest] = error.issues;
    // The first problem is enough to start fixing; the command that lists them all is named.
    const more = first && rest.length > 0
      ? ` (and ${rest.length} more: "tollgate policy validate ${first.file}" lists them)`
      : "";
    return `Invalid policy: ${first ? formatIssue(first) : error.message}${more}`;
  }
  return fileSystemFailure(error, stateFlag) ??
    (error instanceof Error ? error.message.split("\n")[0]! : String(error));
}

/**
 * Turn a start-up error into one CLI line (exit 1), said by {@linkcode failureMessage}.
 *
 * @throws {CliFailure} Always.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { startFailure } from "./_start_errors.ts";
 * import { CliFailure } from "./context.ts";
 *
 * // Only the first line of a runtime error reaches the user.
 * assert.throws(
 *   () => startFailure(new Error("Cannot start\n    at deep/inside.ts:1:1")),
 *   (error) => error instanceof CliFailure && error.message === "Cannot start",
 * );
 * ```
 */
export function startFailure(error: unknown): never {
  if (error instanceof CliFailure) throw error;
  throw new CliFailure(failureMessage(error));
}

/**
 * True for "address in use" from `Deno.serve`/`Deno.listen` or from `node:net`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isAddressInUse } from "./_start_errors.ts";
 * assert(isAddressInUse(Object.assign(new Error("x"), { code: "EADDRINUSE" })));
 * ```
 */
export function isAddressInUse(error: unknown): boolean {
  return error instanceof Deno.errors.AddrInUse ||
    (error as { code?: unknown } | null)?.code === "EADDRINUSE";
}

/**
 * A start-up error, with a busy address said as such: "Cannot listen on 127.0.0.1:3128 (
 * --listen): the address is in use …".
 *
 * @throws {CliFailure} Always.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { listenFailure } from "./_start_errors.ts";
 *
 * const busy = Object.assign(new Error("os error 98"), { code: "EADDRINUSE" });
 * assert.throws(
 *   () => listenFailure("127.0.0.1:8787", "--listen")(busy),
 *   /Cannot listen on 127\.0\.0\.1:8787 \(--listen\): the address is in use/,
 * );
 * ```
 */
export function listenFailure(address: string, flag: string): (error: unknown) => never {
  return (error) => {
    if (!isAddressInUse(error)) return startFailure(error);
    throw new CliFailure(
      `Cannot listen on ${address} (${flag}): the address is in use; stop what holds it ` +
        `or pass another ${flag}`,
    );
  };
}

/**
 * Read a file a flag names; a missing or unreadable file is one line naming the flag.
 *
 * @throws {CliFailure} When the file cannot be read (exit 1).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readFlagFile } from "./_start_errors.ts";
 *
 * await assert.rejects(
 *   readFlagFile("/nonexistent/cert.pem", "--tls-cert"),
 *   /Cannot read --tls-cert "\/nonexistent\/cert\.pem": no such file/,
 * );
 * ```
 */
export async function readFlagFile(path: string, flag: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch (error) {
    throw new CliFailure(`Cannot read ${flag} "${path}": ${fileProblem(error)}`);
  }
}

/**
 * Read a PEM file a flag names and check it holds a `block` (`CERTIFICATE`, or `PRIVATE KEY`
 * of any kind): the runtime's own complaint about swapped files names neither flag nor file.
 *
 * @throws {CliFailure} When the file cannot be read or holds no such block (exit 1).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readPemFlagFile } from "./_start_errors.ts";
 *
 * const key = await Deno.makeTempFile();
 * await Deno.writeTextFile(key, "-----BEGIN EC PRIVATE KEY-----\nAA==\n-----END EC PRIVATE KEY-----\n");
 * assert.match(await readPemFlagFile(key, "--tls-key", "PRIVATE KEY"), /EC PRIVATE KEY/);
 * await assert.rejects(readPemFlagFile(key, "--tls-cert", "CERTIFICATE"), /no PEM certificate/);
 * await Deno.remove(key);
 * ```
 */
export async function readPemFlagFile(
  path: string,
  flag: string,
  block: "CERTIFICATE" | "PRIVATE KEY",
): Promise<string> {
  const text = await readFlagFile(path, flag);
  const begin = block === "CERTIFICATE"
    ? /-----BEGIN CERTIFICATE-----/
    : /-----BEGIN [A-Z ]*PRIVATE KEY-----/;
  if (!begin.test(text)) {
    throw new CliFailure(
      `Invalid ${flag} "${path}": it holds no PEM ${block.toLowerCase()} (-----BEGIN ${block}-----)`,
    );
  }
  return text;
}

/**
 * Check that every file a repeatable flag names can be read, before anything starts.
 *
 * @throws {CliFailure} Naming the first file that cannot be read (exit 1).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkFlagFiles } from "./_start_errors.ts";
 *
 * const file = await Deno.makeTempFile();
 * assert.deepEqual(await checkFlagFiles([file], "--upstream-ca"), [file]);
 * await assert.rejects(checkFlagFiles([file, "/nonexistent/ca.pem"], "--upstream-ca"), /ca\.pem/);
 * await Deno.remove(file);
 * ```
 */
export async function checkFlagFiles(paths: string[], flag: string): Promise<string[]> {
  for (const path of paths) await readFlagFile(path, flag);
  return paths;
}

function fileProblem(error: unknown): string {
  if (error instanceof Deno.errors.NotFound) return "no such file";
  if (error instanceof Deno.errors.PermissionDenied) return "permission denied";
  if (error instanceof Deno.errors.IsADirectory) return "it is a directory";
  return error instanceof Error
    ? error.message.split("\n")[0]!.replace(/ \(os error \d+\).*/, "")
    : String(error);
}
