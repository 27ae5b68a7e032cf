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

Deno.test("#18 item 7: no doc example asserts with console.assert, which never fails a test", async () => {
  const root = new URL("../", import.meta.url);
  const offenders: string[] = [];
  for await (const path of sourceFiles(root, "")) {
    const text = await Deno.readTextFile(new URL(path, root));
    if (/^\s*\*.*console\.assert\(/m.test(text)) offenders.push(path);
  }
  assert.deepEqual(offenders, [], "use assert from node:assert/strict in examples");
});

/** Every `.ts` file under `dir`, as paths relative to the checkout. */
async function* sourceFiles(root: URL, dir: string): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(new URL(dir || ".", root))) {
    const path = `${dir}${entry.name}`;
    if (entry.isDirectory && !entry.name.startsWith(".") && entry.name !== "node_modules") {
      yield* sourceFiles(root, `${path}/`);
    } else if (entry.isFile && entry.name.endsWith(".ts")) yield path;
  }
}
