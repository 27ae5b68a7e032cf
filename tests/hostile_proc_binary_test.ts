/**
 * A binary path names a program file, never the proxy's own process. The proxy resolves a
 * listed path with realpath when it loads the policy, so `/proc/self/exe` resolved to the
 * proxy's own runtime (deno, which a sandbox can run): a rule a person read as "the calling
 * process" granted every deno process. Paths under /proc and /dev are now taken as written
 * (no requester's executable ever is one), and a proposal naming one is refused.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ProposalStore } from "../gateway/mod.ts";
import { decide } from "../proxy/policy/mod.ts";
import { PolicyHolder } from "../proxy/mod.ts";
import { makeRepo } from "./gateway_fixtures.ts";

const PROC_PATHS = [
  "/proc/self/exe",
  "/proc/thread-self/exe",
  `/proc/${Deno.pid}/exe`,
  "//proc/self/exe",
  "/./proc/self/exe",
];

const policyFor = (binary: string) =>
  `version: 1
network_policies:
  self:
    endpoints: [{ host: api.example.com, port: 443, protocol: rest, access: read-only }]
    binaries: [{ path: "${binary}" }]
`;

Deno.test("hostile: a binary path under /proc never grants the proxy's own runtime", () => {
  const deno = Deno.realPathSync(Deno.execPath());
  for (const binary of PROC_PATHS) {
    // Loaded as the proxy loads it (realpath of each listed binary, on this host).
    const holder = PolicyHolder.fromText("agent", "agent.yaml", policyFor(binary));
    const at = { host: "api.example.com", port: 443, now: Date.now() };
    const asDeno = decide(holder.current().compiled, {
      ...at,
      identity: { exe: deno, ancestors: [] },
    });
    // Before: allow, for the deno binary at any path the sandbox can start it from.
    assert.equal(asDeno.verdict, "deny", binary);
  }
});

Deno.test("hostile: a proposal naming a binary under /proc or /dev is refused", async () => {
  const repo = await makeRepo();
  try {
    const store = new ProposalStore({ policiesDir: repo.policies });
    const before = await Deno.readTextFile(join(repo.policies, "team.yaml"));
    for (
      const binary of [
        "/proc/self/exe",
        "/proc/1/exe",
        "/dev/fd/3",
        "/proc/self/cwd/bin/x",
        "//proc/self/exe",
      ]
    ) {
      const r = await store.submit({
        policy: "team",
        ruleName: "self",
        rationale: "my own process",
        rule: {
          endpoints: [{
            host: "api.example.com",
            port: 443,
            protocol: "rest",
            access: "read-only",
          }],
          binaries: [{ path: binary }],
        },
      });
      assert.equal(r.accepted, false, `${binary}: ${JSON.stringify(r)}`);
      assert.match(JSON.stringify(r), /process_binary/, binary);
    }
    assert.equal(await Deno.readTextFile(join(repo.policies, "team.yaml")), before);
  } finally {
    await repo.cleanup();
  }
});
