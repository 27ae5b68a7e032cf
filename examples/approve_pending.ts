// Scripting Tollgate with mod.ts: start a proxy for one sandbox policy, then approve every
// pending proposal whose checks found nothing to warn about. Run it from anywhere:
//   deno run -A examples/approve_pending.ts [POLICIES_DIR] [POLICY]
import { ProposalStore, startProxyService, toProposalStatus } from "../mod.ts";

const checkout = new URL("../policies", import.meta.url).pathname;
const [policiesDir = checkout, policy = "demo"] = Deno.args;
const store = new ProposalStore({ policiesDir });
const service = await startProxyService({
  policy,
  policiesDir,
  stateDir: `${policiesDir}/../.tollgate`,
  sink: store, // proposals from policy.local land in policiesDir/pending/
}).catch((error: Error) => {
  console.error(`approve_pending.ts: ${error.message.split("\n")[0]}`);
  Deno.exit(1);
});
console.log(`proxy for "${policy}" on 127.0.0.1:${service.port}`);

for (const proposal of await store.list({ status: "pending" })) {
  const status = toProposalStatus(proposal);
  if (status.findings.some((f) => f.severity !== "info")) {
    console.log(`left for a person: ${proposal.id}`);
    continue;
  }
  const approved = await store.approve(proposal.id, { approvedBy: "approve_pending.ts" });
  console.log(`approved ${proposal.id}: revision ${approved.revision}`);
}
await service.close();
