/**
 * A throwaway certificate authority and server certificate made with the real `openssl`, for
 * upstream servers that stand in for public APIs in the demo and the end-to-end tests.
 *
 * @module
 */

import { join } from "node:path";

/** PEM files of a minted CA and one server certificate. */
export interface TestCertificates {
  caCertPath: string;
  caCertPem: string;
  certPem: string;
  keyPem: string;
}

async function openssl(args: string[], cwd: string): Promise<void> {
  const out = await new Deno.Command("openssl", { args, cwd, stdout: "null", stderr: "piped" })
    .output();
  if (!out.success) {
    const detail = new TextDecoder().decode(out.stderr).trim().split("\n")[0];
    throw new Error(`openssl ${args[0]} failed: ${detail}`);
  }
}

/**
 * Mint an ECDSA CA and a server certificate for `hosts` into `dir`.
 *
 * @example
 * ```ts ignore
 * const certs = await mintTestCertificates(await Deno.makeTempDir(), ["api.github.com"]);
 * ```
 */
export async function mintTestCertificates(
  dir: string,
  hosts: string[],
): Promise<TestCertificates> {
  const curve = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  await openssl([
    "req",
    "-x509",
    ...curve,
    "-keyout",
    "ca.key",
    "-out",
    "ca.pem",
    "-days",
    "2",
    "-subj",
    "/CN=Tollgate demo upstream CA",
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
  ], dir);
  await openssl([
    "req",
    ...curve,
    "-keyout",
    "server.key",
    "-out",
    "server.csr",
    "-subj",
    `/CN=${hosts[0]}`,
  ], dir);
  const san = hosts.map((h) => `DNS:${h}`).join(",");
  await Deno.writeTextFile(
    join(dir, "server.ext"),
    `subjectAltName=${san}\nextendedKeyUsage=serverAuth\n`,
  );
  await openssl([
    "x509",
    "-req",
    "-in",
    "server.csr",
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-days",
    "2",
    "-out",
    "server.pem",
    "-extfile",
    "server.ext",
  ], dir);
  const read = (name: string) => Deno.readTextFile(join(dir, name));
  return {
    caCertPath: join(dir, "ca.pem"),
    caCertPem: await read("ca.pem"),
    certPem: await read("server.pem"),
    keyPem: await read("server.key"),
  };
}
