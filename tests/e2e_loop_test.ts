import assert from "node:assert/strict";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { runDemoLoop } from "../scripts/demo/demo_loop.ts";
import { checkAgentSteps, readTrace, storyLines } from "../scripts/demo/demo_checks.ts";
import { git } from "../scripts/demo/workspace.ts";

const projectRoot = dirname(dirname(fileURLToPath(import.meta.url)));

Deno.test("runDemoLoop() denied write, proposal, approval, reload, successful retry", async () => {
  const patches: string[] = [];
  const outcome = await runDemoLoop({
    projectRoot,
    hooks: {
      review: ({ patch }) => {
        patches.push(patch);
        return Promise.resolve({ approve: true });
      },
    },
  });
  try {
    assert.deepEqual(checkAgentSteps(outcome.steps), []);
    assert.equal(outcome.agentExit, 0);
    assert.match(outcome.storedContent ?? "", /Written by an agent through Tollgate/);
    assert.equal(patches.length, 1);
    // The reviewed diff adds one exact rule for curl, nothing broader.
    assert.match(patches[0]!, /^\+.*PUT/m);
    assert.match(patches[0]!, /\/repos\/acme\/docs\/contents\/notes\/tollgate\.md/);
    assert.doesNotMatch(patches[0]!, /^\+.*\*\*/m);
    const story = storyLines(await readTrace(`${outcome.workspace.stateDir}/logs`));
    assert.deepEqual(story.missing, []);
    const log = await git(outcome.workspace.repoDir, ["log", "-1", "--format=%s%n%b"]);
    assert.match(log, /^policy\(demo\): allow PUT api\.github\.com:443/);
    assert.match(log, /Proposal-Id: /);
    assert.match(log, /Policy-Revision: 1/);
  } finally {
    await outcome.workspace.remove();
  }
});

Deno.test("runDemoLoop() rejection with guidance leads to a narrower proposal", async () => {
  const outcome = await runDemoLoop({
    projectRoot,
    firstPathGlob: "/repos/acme/docs/contents/**",
    hooks: {
      review: ({ patch }) =>
        Promise.resolve(
          /contents\/\*\*/.test(patch)
            ? { approve: false, reason: "Only the one notes file, please", guidance: "too_broad" }
            : { approve: true },
        ),
    },
  });
  try {
    // On failure, the agent's steps (with any non-JSON or error answer) say what happened.
    const trail = JSON.stringify(outcome.steps).slice(0, 2000);
    assert.deepEqual(
      outcome.reviewed.map((r) => [r.review.approve, r.code]),
      [[false, 0], [true, 0]],
      trail,
    );
    const rejected = outcome.steps.find((s) => s.step === "proposal_decided");
    const body = rejected?.body as {
      status?: string;
      rejection_reason?: string;
      guidance?: string;
    };
    assert.equal(body.status, "rejected");
    assert.equal(body.rejection_reason, "Only the one notes file, please");
    assert.equal(body.guidance, "too_broad");
    assert.deepEqual(checkAgentSteps(outcome.steps), []);
    assert.equal(outcome.agentExit, 0);
  } finally {
    await outcome.workspace.remove();
  }
});
