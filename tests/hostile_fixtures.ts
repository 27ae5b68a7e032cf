/** What the hostile tests share: a policy.local app over a proposal store, for one sandbox. */
import type { ProposalStore } from "../gateway/mod.ts";
import { loadPolicyText } from "../proxy/policy/mod.ts";
import { createPolicyLocalApp } from "../proxy/policy_local/mod.ts";

/** The policy.local app of sandbox `sandboxId` (policy "team", empty), proposing to `sink`. */
export function policyLocal(
  sink: ProposalStore,
  sandboxId = "sb-hostile",
): ReturnType<typeof createPolicyLocalApp> {
  const snapshot = loadPolicyText("version: 1\n", "team.yaml");
  return createPolicyLocalApp({
    sandbox: "team",
    sandboxId,
    sink,
    logDir: "/nonexistent",
    skill: () => Promise.resolve(""),
    policy: {
      current: () => ({ ...snapshot, revision: 0 }),
      subscribe: () => () => {},
    },
  });
}
