import assert from "node:assert/strict";
import { compilePolicy, decide } from "../mod.ts";
import type { Policy } from "../model/mod.ts";

const policy: Policy = {
  version: 1,
  revision: 0,
  network_policies: {
    py: {
      endpoints: [{ host: "pypi.org", port: 443 }],
      binaries: [{ path: "/usr/bin/python3" }, { path: "/opt/**/bin/tool" }],
    },
  },
};
const ask = (exe: string) => ({ host: "pypi.org", port: 443, identity: { exe, ancestors: [] } });

Deno.test("compilePolicy() lets a literal binary path match the real path resolveBinary gives", () => {
  const resolveBinary = (path: string) =>
    path === "/usr/bin/python3" ? "/usr/bin/python3.11" : undefined;
  const resolved = compilePolicy(policy, { resolveBinary });
  assert.equal(decide(resolved, ask("/usr/bin/python3.11")).verdict, "allow");
  assert.equal(decide(resolved, ask("/usr/bin/python3")).verdict, "allow");
  assert.equal(decide(compilePolicy(policy), ask("/usr/bin/python3.11")).verdict, "deny");
});

Deno.test("compilePolicy() never resolves a glob binary", () => {
  const asked: string[] = [];
  const compiled = compilePolicy(policy, { resolveBinary: (path) => void asked.push(path) });
  // Matchers compile on a host's first lookup.
  decide(compiled, ask("/usr/bin/curl"));
  assert.deepEqual(asked, ["/usr/bin/python3"]);
});
