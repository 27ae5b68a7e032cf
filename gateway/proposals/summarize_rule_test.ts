import assert from "node:assert/strict";
import { summarizeRule } from "./summarize_rule.ts";

Deno.test("summarizeRule names a host-less endpoint by its allowed_ips, never 'undefined'", () => {
  const s = summarizeRule("team", {
    endpoints: [{ port: 5432, allowed_ips: ["10.0.0.0/8", "192.168.1.0/24"] }],
    binaries: [{ path: "/usr/bin/psql" }],
  });
  assert.equal(
    s,
    "policy(team): allow (allowed_ips 10.0.0.0/8,192.168.1.0/24):5432 for /usr/bin/psql",
  );
  assert.doesNotMatch(s, /undefined/);
});
