/**
 * Validation of one `allowed_ips` entry: an IP or CIDR that may not reach addresses the proxy
 * never connects to.
 *
 * @module
 */

import { type Checker, describe, type ValuePath } from "./_checker.ts";
import { cidrContains, cidrsOverlap, parseCidr } from "../host/mod.ts";

/**
 * Ranges an entry may never overlap, as OpenShell's `is_always_blocked_net`: loopback,
 * link-local (with IPv4 metadata), unspecified. The IPv6 metadata address sits inside the
 * private fd00::/8, which a policy may well allow (OpenShell's own templates list fc00::/7):
 * the proxy refuses that address at connect time instead (`NEVER_ALLOWED_CLASSES`).
 */
const FORBIDDEN_RANGES = [
  "127.0.0.0/8",
  "::1/128",
  "169.254.0.0/16",
  "fe80::/10",
  "0.0.0.0/8",
  "::/128",
].map((c) => parseCidr(c)!);

/** The IPv6 cloud metadata address: an entry naming only it could grant nothing. */
const METADATA_V6 = parseCidr("fd00:ec2::254/128")!;

/** Validate one `allowed_ips` entry; returns its text (empty when it is not a string). */
export function validateAllowedIp(c: Checker, raw: unknown, path: ValuePath): string {
  const text = typeof raw === "number" ? String(raw) : raw;
  if (typeof text !== "string") {
    c.report(path, `Allowed IP must be a string, got ${describe(raw)}`);
    return "";
  }
  const cidr = parseCidr(text);
  if (!cidr) c.report(path, `Invalid IP or CIDR ${describe(text)}`);
  else if (
    FORBIDDEN_RANGES.some((f) => cidrsOverlap(cidr, f)) || cidrContains(METADATA_V6, cidr)
  ) {
    c.report(
      path,
      `Allowed IP range ${describe(text)} overlaps loopback, link-local or unspecified addresses`,
    );
  }
  return text;
}
