/**
 * `policy validate` warns where a plain grant no longer reaches a binary because L7 rules for
 * the same binary sit on the same host:port (only they judge its requests there, as in
 * OpenShell): a policy written when the plain grant won reads differently now.
 */
import assert from "node:assert/strict";
import { runCliIn } from "./support/mod.ts";

const POLICY = `version: 1
network_policies:
  code_any:
    endpoints:
      - { host: code.example.com, port: 443 }
      - { host: other.example.com, port: 443 }
    binaries: [{ path: /usr/bin/git }, { path: /usr/bin/ssh }]
  code_fetch:
    endpoints:
      - host: code.example.com
        port: 443
        protocol: rest
        rules: [{ allow: { method: GET, path: "/**/info/refs*" } }]
    binaries: [{ path: "/usr/bin/g*" }]
  docs_plain:
    endpoints: [{ host: docs.example.com, port: 443 }]
    binaries: [{ path: /usr/bin/curl }]
  docs_rest:
    endpoints: [{ host: docs.example.com, port: 443, protocol: rest, access: read-only }]
    binaries: [{ path: /usr/bin/wget }]
`;

Deno.test("policy validate warns at a plain grant that L7 rules for the same binary override", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/p.yaml`, POLICY);
    const r = await runCliIn(["policy", "validate", "p.yaml"], dir);
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(r.out.trimEnd().split("\n"), [
      'p.yaml:5:9: warning: Rule "code_any" grants code.example.com:443 plain, but rule ' +
      '"code_fetch" has L7 rules there for some of the same binaries: only those judge their ' +
      "requests there (as in OpenShell); widen the L7 rules or narrow the binaries",
      "ok p.yaml (4 rules, revision 0, hash " + r.out.split("hash ")[1]!.split(")")[0] + ")",
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
