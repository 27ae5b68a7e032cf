/**
 * The ssl-bump Squid measured beside Tollgate's L7 interception: Squid built with OpenSSL
 * (Debian's squid-openssl), bumping every CONNECT with leaves from a CA minted here.
 *
 * @module
 */

import { join } from "node:path";
import { type ChildProcesses, freePort } from "./child_processes.ts";
import { UPSTREAM_NAMES } from "./setup.ts";
import {
  chownToUser,
  isExecutable,
  launch,
  PEER_BINARIES,
  type PeerOptions,
  type PeerStart,
  squidConfig,
} from "./peer_proxies.ts";

/** Where Squid's certificate helper lives on Debian (package squid-openssl). */
export const SQUID_CERTGEN = "/usr/lib/squid/security_file_certgen";

/**
 * The ssl-bump Squid's config: {@linkcode squidConfig} plus TLS interception of every CONNECT
 * (peek at the client's SNI, then bump), leaves minted from `bumpCert` (CA certificate and
 * key, PEM) by the certgen helper, and upstream certificates verified against `upstreamCa`:
 * the same work Tollgate's L7 interception does.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bumpSquidConfig } from "./bump_squid.ts";
 *
 * const conf = bumpSquidConfig({ port: 3129, dir: "/tmp/b", upstreamPorts: [8443],
 *   bumpCert: "/tmp/b/ca.pem", upstreamCa: "/tmp/b/up.pem" });
 * assert.ok(conf.includes("ssl_bump bump all"));
 * // Squid 5.7's Bug 5405 drops uploads that fill the default 512 KB request buffer.
 * assert.ok(conf.includes("client_request_buffer_max_size 16 MB"));
 * ```
 */
export function bumpSquidConfig(
  o: { port: number; dir: string; upstreamPorts: number[]; bumpCert: string; upstreamCa: string },
): string {
  const base = squidConfig(o).replace(
    "http_access deny all",
    "acl bench_name dstdomain .example\nhttp_access allow localnet bench_name bench_port\n" +
      "http_access deny all",
  ).replace(
    `http_port 127.0.0.1:${o.port}`,
    `http_port 127.0.0.1:${o.port} ssl-bump tls-cert=${o.bumpCert} ` +
      "generate-host-certificates=on dynamic_cert_mem_cache_size=16MB",
  );
  return base + [
    `sslcrtd_program ${SQUID_CERTGEN} -s ${join(o.dir, "ssl_db")} -M 16MB`,
    "sslcrtd_children 4 startup=1 idle=1",
    // Squid 5.7 (Debian bookworm) has Bug 5405, fixed in Squid 6: once an upload fills the
    // request buffer (512 KB by default), Squid reads into no room, takes the empty read for
    // the client's EOF and drops the upload mid-body (TCP_MISS_ABORTED; EPIPE here in 11 of 16
    // 256 MB uploads). With 16 MB, 11 of 11 went through and Squid's RSS grew by under 2 MB: an
    // admin on 5.7 who met the bug would raise it so.
    "client_request_buffer_max_size 16 MB",
    "acl step1 at_step SslBump1",
    "ssl_bump peek step1",
    "ssl_bump bump all",
    `tls_outgoing_options cafile=${o.upstreamCa}`,
    // The bench names resolve to the local upstream, as Tollgate's --resolve maps them.
    `hosts_file ${join(o.dir, "hosts")}`,
    "",
  ].join("\n");
}

/**
 * Start an ssl-bump Squid (named `squid-bump`) when Squid is built with OpenSSL
 * (squid-openssl): its CA is minted here with `openssl`; clients must trust `caPem`.
 *
 * @example
 * ```ts ignore
 * // Not run as a doc test: it mints a CA with openssl and starts an ssl-bump Squid (seconds).
 * const bump = await startBumpSquid(children, { upstreamPorts, dir, maxSeconds: 300 }, upstreamCaPem);
 * ```
 */
export async function startBumpSquid(
  children: ChildProcesses,
  o: PeerOptions,
  upstreamCaPem: string,
): Promise<PeerStart & { caPem?: string }> {
  const binary = PEER_BINARIES.squid;
  if (!(await isExecutable(binary)) || !(await isExecutable(SQUID_CERTGEN))) {
    const note = `${SQUID_CERTGEN} not installed (apt-get install squid-openssl)`;
    return { ok: false, name: "squid-bump", note };
  }
  const dir = join(o.dir, "squid-bump");
  await Deno.mkdir(dir, { recursive: true });
  const bumpCert = join(dir, "bump.pem");
  const caPem = await mintBumpCa(dir, bumpCert);
  await Deno.writeTextFile(join(dir, "hosts"), `127.0.0.1 ${UPSTREAM_NAMES.join(" ")}\n`);
  const upstreamCa = join(dir, "upstream-ca.pem");
  await Deno.writeTextFile(upstreamCa, upstreamCaPem);
  const init = await new Deno.Command(SQUID_CERTGEN, {
    args: ["-c", "-s", join(dir, "ssl_db"), "-M", "16MB"],
    stdout: "null",
    stderr: "null",
  }).output();
  if (!init.success) return { ok: false, name: "squid-bump", note: "certgen -c failed" };
  const port = await freePort();
  const conf = join(dir, "squid.conf");
  const upstreamPorts = o.upstreamPorts;
  await Deno.writeTextFile(
    conf,
    bumpSquidConfig({ port, dir, upstreamPorts, bumpCert, upstreamCa }),
  );
  await chownToUser(dir, "proxy");
  await chownToUser(join(dir, "ssl_db"), "proxy");
  const args = ["-N", "-f", conf];
  const started = await launch(children, { name: "squid-bump", port, binary, args }, o);
  return started.ok ? { ...started, caPem, accessLog: join(dir, "access.log") } : started;
}

async function mintBumpCa(dir: string, bundle: string): Promise<string> {
  const [key, cert] = [join(dir, "bump.key"), join(dir, "bump.crt")];
  const out = await new Deno.Command("openssl", {
    args: ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
      .concat(["-keyout", key, "-out", cert, "-subj", "/CN=bench ssl-bump CA", "-days", "2"]),
    stdout: "null",
    stderr: "null",
  }).output();
  if (!out.success) throw new Error("openssl could not mint the ssl-bump CA");
  const caPem = await Deno.readTextFile(cert);
  await Deno.writeTextFile(bundle, caPem + await Deno.readTextFile(key));
  return caPem;
}
