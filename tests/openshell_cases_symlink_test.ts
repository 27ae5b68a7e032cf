/**
 * OpenShell's symlink cases of `crates/openshell-supervisor-network/src/opa.rs` (tests module,
 * at 2f7fb655: `symlink_expanded_binary_*`, `symlink_expansion_works_with_ancestors`,
 * `resolve_binary_*`) with a real symlink: a policy naming `python3`, a link to `python3.11`,
 * loaded as the proxy loads it (`realBinaryPath` resolves literal binary paths).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { decide, loadPolicyText, realBinaryPath } from "../proxy/policy/mod.ts";

Deno.test("OpenShell opa.rs symlink cases: a listed link matches its target, and nothing else", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const real = join(dir, "python3.11");
    const link = join(dir, "python3");
    await Deno.writeTextFile(real, "#!/bin/sh\n");
    await Deno.symlink(real, link);
    const policy = (binary: string) =>
      `version: 1\nnetwork_policies:\n  python_policy:\n    endpoints: [{ host: pypi.org, port: 443 }]\n    binaries: [{ path: "${binary}" }]\n`;
    const ask = (text: string, exe: string, ancestors: string[] = []) => {
      const { compiled } = loadPolicyText(text, "p.yaml", { resolveBinary: realBinaryPath });
      const identity = { exe, ancestors };
      return decide(compiled, { host: "pypi.org", port: 443, identity }).verdict;
    };
    const cases: [string, string, string, string[], "allow" | "deny"][] = [
      ["symlink_expanded_binary_allows_resolved_path", link, real, [], "allow"],
      ["symlink_expanded_binary_still_allows_original_path", link, link, [], "allow"],
      ["symlink_expanded_binary_does_not_weaken_security", link, "/usr/bin/curl", [], "deny"],
      ["symlink_expansion_works_with_ancestors", link, "/usr/bin/bash", [real], "allow"],
      [
        "resolve_binary_skips_glob_paths (matched as written)",
        `${dir}/python3.1*`,
        real,
        [],
        "allow",
      ],
      [
        "resolve_binary_skips_glob_paths (never resolved)",
        `${dir}/py*`,
        "/usr/bin/python3",
        [],
        "deny",
      ],
      ["resolve_binary_returns_none_for_nonexistent_path", join(dir, "gone"), real, [], "deny"],
    ];
    const wrong = cases.flatMap(([test, listed, exe, ancestors, want]) => {
      const got = ask(policy(listed), exe, ancestors);
      return got === want ? [] : [`opa.rs ${test}: expected ${want}, got ${got}`];
    });
    assert.deepEqual(wrong, []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
