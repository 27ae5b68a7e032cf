import assert from "node:assert/strict";
import { parseAbsoluteTarget, parseAuthority } from "./request_target.ts";

Deno.test("parseAuthority refuses a host with an empty label, so decide() never sees one", () => {
  // OpenShell's glob.match lets `*.example.com` match `.example.com` (its `*` may be empty);
  // Tollgate's one-label `*` needs a label, and no such host gets this far.
  for (const host of [".example.com", "a..example.com", "example.com.", "."]) {
    assert.equal(parseAuthority(`${host}:443`), "Malformed host", host);
    assert.equal(parseAbsoluteTarget(`http://${host}/x`), "Malformed host", host);
  }
  assert.deepEqual(parseAuthority("A.Example.com:443"), { host: "a.example.com", port: 443 });
});
