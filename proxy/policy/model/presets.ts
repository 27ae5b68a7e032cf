/**
 * L7 access presets and the HTTP methods a policy may name.
 *
 * @module
 */

import type { AccessPreset } from "./types.ts";

/** The preset names, in order of breadth. */
export const ACCESS_PRESETS: readonly AccessPreset[] = ["read-only", "read-write", "full"];

/** Methods a rule may name (plus `*`), compared case-insensitively. */
export const HTTP_METHODS: readonly string[] = [
  "GET",
  "HEAD",
  "POST",
  "PUT",
  "PATCH",
  "DELETE",
  "OPTIONS",
  "TRACE",
  "CONNECT",
];

/**
 * The methods a preset grants on every path: `["*"]` for `full`, none for the unknown
 * `allow` (accepted with a warning, as OpenShell does). `read-write` leaves out
 * DELETE on purpose (as OpenShell): deleting needs an explicit rule. On a `protocol: websocket`
 * endpoint (OpenShell's merge.rs and access_preset_rules), `read-only` is the upgrade `GET`
 * alone and `read-write` adds `WEBSOCKET_TEXT`, every client text message.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { presetMethods } from "./presets.ts";
 * assert.equal(presetMethods("read-write").join(), "GET,HEAD,OPTIONS,POST,PUT,PATCH");
 * assert.equal(presetMethods("read-write", "websocket").join(), "GET,WEBSOCKET_TEXT");
 * ```
 */
export function presetMethods(preset: AccessPreset | "allow", protocol?: string): string[] {
  if (protocol === "websocket" && preset !== "full" && preset !== "allow") {
    return preset === "read-only" ? ["GET"] : ["GET", "WEBSOCKET_TEXT"];
  }
  switch (preset) {
    case "allow":
      // Not a preset: OpenShell ignores it (with a warning), so it grants nothing.
      return [];
    case "read-only":
      return ["GET", "HEAD", "OPTIONS"];
    case "read-write":
      return ["GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH"];
    case "full":
      return ["*"];
  }
}
