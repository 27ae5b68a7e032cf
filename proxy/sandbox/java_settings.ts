/**
 * The JVM's way through the proxy. Java reads no proxy variable, no CA variable and no PEM
 * file, so a sandboxed `java` connected directly (env mode) or failed the handshake of its
 * captured connection ("PKIX path building failed", netns mode): the sandbox writes the bundle
 * as a PKCS #12 trust store (`javaTrustStore()`), names it with the proxy in
 * `JAVA_TOOL_OPTIONS`, and in netns mode shows it over the JDKs' shared `cacerts`.
 *
 * @module
 */

import { dirname, join } from "node:path";
import { javaTrustStore } from "../tls/mod.ts";
import { writeAtomically } from "./_files.ts";

/**
 * The JDKs' shared trust stores, which netns mode covers with the sandbox's store so that a JVM
 * started without `JAVA_TOOL_OPTIONS` trusts the proxy too: Debian/Ubuntu's (a JDK's
 * `lib/security/cacerts` links there) and Fedora/RHEL's. Each JDK of these reads a PKCS #12
 * file there (`keystore.type.compat`), whatever type the file had.
 */
export const JAVA_TRUST_STORE_FILES: readonly string[] = [
  "/etc/ssl/certs/java/cacerts",
  "/etc/pki/ca-trust/extracted/java/cacerts",
];

/**
 * Write `DIR/ca-bundle.p12`, the {@linkcode javaTrustStore} of the PEM bundle at `bundlePath`,
 * through a temporary file and a rename. With `cacheDir`, the store is kept there under the
 * bundle's SHA-256 and copied from it while the bundle is the same: built in a fresh process
 * (every `sandbox run`) it took 20-40 ms of the start, its JIT cold.
 *
 * @param dir The sandbox's `public/` directory (the command may read it).
 * @param bundlePath The merged bundle (system roots + the Tollgate CA).
 * @param cacheDir Where stores are kept (Tollgate's state directory, hidden from the command).
 * @returns The store's path.
 */
export async function writeJavaTrustStore(
  dir: string,
  bundlePath: string,
  cacheDir?: string,
): Promise<string> {
  const bundle = await Deno.readTextFile(bundlePath);
  const cached = cacheDir === undefined ? undefined : join(cacheDir, await storeName(bundle));
  let store = cached === undefined ? undefined : await Deno.readFile(cached).catch(() => undefined);
  if (store === undefined) {
    store = javaTrustStore(bundle);
    if (cached !== undefined) await keepStore(cached, store);
  }
  const path = join(dir, "ca-bundle.p12");
  await writeAtomically(path, store);
  return path;
}

const STORE_PREFIX = "java-trust-store-";

async function storeName(bundle: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(bundle));
  const hex = Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, "0"));
  return `${STORE_PREFIX}${hex.join("")}.p12`;
}

/** Keep `store` at `cached`, the stores of other bundles (older system roots, CA) removed. */
async function keepStore(cached: string, store: Uint8Array): Promise<void> {
  const dir = dirname(cached);
  try {
    for await (const entry of Deno.readDir(dir)) {
      const path = join(dir, entry.name);
      if (entry.name.startsWith(STORE_PREFIX) && path !== cached) await Deno.remove(path);
    }
    await writeAtomically(cached, store);
  } catch {
    // A store not kept is built again next time.
  }
}

/**
 * The value of `JAVA_TOOL_OPTIONS` (which every JVM reads as it starts, and names on standard
 * error): the proxy as Java's system properties, loopback left out as `NO_PROXY` does, and the
 * trust store; `passed` (a value the runner passed with `--env`) follows, so its own properties
 * still apply.
 *
 * @param proxyUrl The proxy as the command sees it, e.g. `http://127.0.0.1:3128`.
 * @param storePath The {@linkcode writeJavaTrustStore} file.
 * @param passed The runner's own value, if any.
 * @returns The words, space-separated (a path with white space quoted, as the JVM reads it).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { javaToolOptions } from "./java_settings.ts";
 * const value = javaToolOptions("http://127.0.0.1:3128", "/s/ca-bundle.p12", undefined);
 * assert.match(value, /^-Dhttp\.proxyHost=127\.0\.0\.1 -Dhttp\.proxyPort=3128 /);
 * ```
 */
export function javaToolOptions(
  proxyUrl: string,
  storePath: string,
  passed: string | undefined,
): string {
  const { hostname, port } = new URL(proxyUrl);
  // The JVM splits the variable at white space, and reads a quoted word whole.
  const quoted = (value: string) => /\s/.test(value) ? `"${value}"` : value;
  const words = [
    ...["http", "https"].flatMap((scheme) => [
      `-D${scheme}.proxyHost=${hostname.replace(/^\[|\]$/g, "")}`,
      `-D${scheme}.proxyPort=${port || "80"}`,
    ]),
    "-Dhttp.nonProxyHosts=localhost|127.*|[::1]",
    `-Djavax.net.ssl.trustStore=${quoted(storePath)}`,
    "-Djavax.net.ssl.trustStoreType=PKCS12",
  ];
  if (passed !== undefined) words.push(passed);
  return words.join(" ");
}
