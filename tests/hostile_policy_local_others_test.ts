/**
 * A sandbox reading its policy from policy.local (`GET /v1/policy/current`) was shown the whole
 * policy file, other sandboxes' session rules and sandbox-proposed once rules included: what a
 * person granted another sandbox alone, with that sandbox's id and its proposal's id, which a
 * netns sandbox is otherwise kept from (its proposals are covered). Now those rules are left
 * out of the answer; rules that serve every sandbox of the policy (durable, lease, a once rule no
 * sandbox proposed) are shown as before. A real `sandbox run` whose command asks with curl.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { leaseComment } from "../proxy/policy/mod.ts";
import { makeRepo, TEAM_POLICY } from "./gateway_fixtures.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;
const LATER = Date.now() + 3_600_000;

function rule(key: string, comment: string, path: string): string {
  return `  ${comment}
  ${key}:
    endpoints:
      - { host: api.github.com, port: 443, protocol: rest, rules: [{ allow: { method: PUT, path: "${path}" } }] }

    binaries: [{ path: /usr/bin/curl }]
`;
}

Deno.test("hostile policy.local: another sandbox's own rules are not in this sandbox's policy", async () => {
  const blocks = [
    rule(
      "their_session",
      leaseComment({
        scope: "session",
        sandbox: "sb-other",
        proposal: "p-20260101T000000-secret1",
      }),
      "/repos/o/secret-repo/contents/a",
    ),
    rule(
      "their_once",
      leaseComment({ scope: "once", expiresAt: LATER, sandbox: "sb-other" }),
      "/repos/o/secret-repo/contents/b",
    ),
    rule(
      "shared_lease",
      leaseComment({ scope: "lease", expiresAt: LATER }),
      "/repos/o/r/contents/shared",
    ),
  ];
  const policy = TEAM_POLICY.replace(
    "\nfilesystem_policy:",
    `${blocks.join("")}\nfilesystem_policy:`,
  );
  const repo = await makeRepo({ policy });
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--quiet", MAIN, "sandbox", "run", "--isolate", "env", "--quiet"]
        .concat(["--policy", "team", "--state", join(repo.root, "state"), "--"])
        .concat(["sh", "-c", 'curl -s -x "$HTTP_PROXY" http://policy.local/v1/policy/current']),
      cwd: repo.root,
      env: { RUST_BACKTRACE: "0", NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    const shown = JSON.parse(new TextDecoder().decode(out.stdout)).policy_yaml as string;
    // Before: both were there, with sb-other and its proposal's id.
    for (const hidden of ["their_session", "their_once", "sb-other", "secret", "p-2026"]) {
      assert.ok(!shown.includes(hidden), `${hidden} shown:\n${shown}`);
    }
    assert.match(shown, /shared_lease:/);
    assert.match(shown, /\/repos\/o\/r\/contents\/shared/);
    assert.match(shown, /filesystem_policy:/);
  } finally {
    await repo.cleanup();
  }
});
