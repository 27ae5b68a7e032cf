import assert from "node:assert/strict";
import * as tollgate from "../mod.ts";

/** The runtime names of the public toolkit; adding one is a deliberate API decision. */
const TOOLKIT = [
  "CertificateAuthority",
  "GatewayClient",
  "OcsfLog",
  "PolicyValidationError",
  "ProposalConflictError",
  "ProposalStore",
  "canonicalizePath",
  "compilePolicy",
  "decide",
  "expandEvent",
  "loadPolicyFile",
  "loadPolicyText",
  "parsePolicy",
  "readOcsfEvents",
  "renderShorthand",
  "runSandbox",
  "startGateway",
  "startProxyService",
  "toProposalStatus",
];

Deno.test("#18 item 6: mod.ts exports the curated flat toolkit by name, no module namespaces", () => {
  assert.deepEqual(Object.keys(tollgate).sort(), [...TOOLKIT].sort());
  for (const name of TOOLKIT) {
    const value = (tollgate as Record<string, unknown>)[name];
    assert.equal(typeof value, "function", `${name} is a function or class`);
  }
});

Deno.test("#18 item 6: transport internals and bench-only names stay out of mod.ts", () => {
  const names = new Set(Object.keys(tollgate));
  for (const internal of ["ByteStream", "parseRequestHead", "startProxy", "syntheticPolicy"]) {
    assert(!names.has(internal), `${internal} is internal`);
  }
});
