/**
 * One contract for every `ProposalSink` (#18 item 12), as hono runs one case file against
 * each router: the proposal store (embedded mode), the gateway client (a proxy beside a
 * gateway) and the test fake that policy.local's unit tests stand on. A case that holds for
 * one and not another is a behaviour policy.local would see change with the deployment.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { GatewayClient, ProposalStore, startGateway } from "../gateway/mod.ts";
import type { ProposalInput, ProposalSink } from "../proxy/policy_local/mod.ts";
import { FakeSink } from "../proxy/policy_local/_test_fakes.ts";
import { makeRepo, putProposal, submitted } from "./gateway_fixtures.ts";

/** A sink under test, with the reviewer's side of it. */
interface SinkHarness {
  sink: ProposalSink;
  /** A well-formed id that names no proposal. */
  unknownId: string;
  /** Reject a proposal as a reviewer would (outside the sink). */
  reject(id: string, reason: string): Promise<void>;
  close(): Promise<void>;
}

const UNKNOWN = "p-20260101T000000-zzzzzz";

async function storeHarness(): Promise<SinkHarness> {
  const repo = await makeRepo();
  const store = new ProposalStore({ policiesDir: repo.policies });
  return {
    sink: store,
    unknownId: UNKNOWN,
    reject: (id, reason) => store.reject(id, { reason }),
    close: () => repo.cleanup(),
  };
}

async function gatewayHarness(): Promise<SinkHarness> {
  const repo = await makeRepo();
  const gw = await startGateway({
    policiesDir: repo.policies,
    stateDir: join(repo.root, ".tollgate"),
    listen: "127.0.0.1:0",
  });
  const { token } = await gw.credentials.enrolProxy("team");
  const reviewer = new GatewayClient({ url: gw.url, token: await gw.credentials.addReviewer("a") });
  return {
    sink: new GatewayClient({ url: gw.url, token, waitSeconds: 5 }),
    unknownId: UNKNOWN,
    reject: (id, reason) => reviewer.reject(id, { reason }),
    close: async () => {
      await gw.close();
      await repo.cleanup();
    },
  };
}

function fakeHarness(): Promise<SinkHarness> {
  const fake = new FakeSink();
  // The fake refuses what the real checks refuse in these cases: a metadata address.
  fake.refuse = (input) =>
    input.rule.endpoints.some((e) => e.host === METADATA) ? ["a metadata host"] : undefined;
  return Promise.resolve({
    sink: fake,
    unknownId: UNKNOWN,
    reject: (id, reason) =>
      Promise.resolve(fake.decide(id, { status: "rejected", rejectionReason: reason })),
    close: () => Promise.resolve(),
  });
}

const METADATA = "169.254.169.254";

function metadataProposal(): ProposalInput {
  const input = putProposal("read the instance credentials");
  input.rule.endpoints[0]!.host = METADATA;
  return input;
}

const CASES: [string, (h: SinkHarness) => Promise<void>][] = [
  ["submit accepts a valid rule as a pending proposal that status() reads back", async (h) => {
    const input = putProposal();
    const result = await h.sink.submit(input);
    assert.ok(result.accepted);
    const { proposal } = result;
    assert.equal(proposal.status, "pending");
    assert.equal(proposal.policy, input.policy);
    assert.equal(proposal.ruleName, input.ruleName);
    assert.equal(proposal.binary, input.rule.binaries?.[0]?.path);
    assert.equal(proposal.rule.endpoints[0]?.host, input.rule.endpoints[0]?.host);
    const read = await h.sink.status(proposal.id);
    assert.equal(read?.id, proposal.id);
    assert.equal(read?.status, "pending");
    assert.equal(read?.ruleName, input.ruleName);
  }],
  ["submit answers a refused rule with reasons, never by throwing", async (h) => {
    const result = await h.sink.submit(metadataProposal());
    assert.equal(result.accepted, false);
    assert.ok(!result.accepted && result.reasons.length > 0);
  }],
  ["status() and wait() of an unknown id are undefined", async (h) => {
    assert.equal(await h.sink.status(h.unknownId), undefined);
    assert.equal(await h.sink.wait(h.unknownId, AbortSignal.timeout(2_000)), undefined);
  }],
  [
    "status() and wait() of an id policy.local lets through but no proposal has are undefined",
    async (h) => {
      // "p-x" passes policy.local's id check; the gateway's 400 for it made the agent's read a
      // 502 gateway_unavailable ("try again") where the embedded store said chunk_not_found.
      for (const id of ["p-x", "P-20260101T000000-zzzzzz", "some_chunk"]) {
        assert.equal(await h.sink.status(id), undefined, id);
        assert.equal(await h.sink.wait(id, AbortSignal.timeout(2_000)), undefined, id);
      }
    },
  ],
  ["wait() with an aborted signal answers the pending state at once", async (h) => {
    const id = await submitted(h.sink);
    const status = await h.sink.wait(id, AbortSignal.abort());
    assert.equal(status?.id, id);
    assert.equal(status?.status, "pending");
  }],
  ["wait() resolves with the decision, and status() then shows it", async (h) => {
    const id = await submitted(h.sink);
    const waiting = h.sink.wait(id, AbortSignal.timeout(5_000));
    await h.reject(id, "too broad for this task");
    const decided = await waiting;
    assert.equal(decided?.status, "rejected");
    assert.equal(decided?.rejectionReason, "too broad for this task");
    assert.equal((await h.sink.status(id))?.status, "rejected");
  }],
];

const IMPLEMENTATIONS: [string, () => Promise<SinkHarness>][] = [
  ["ProposalStore", storeHarness],
  ["GatewayClient", gatewayHarness],
  ["FakeSink", fakeHarness],
];

for (const [name, start] of IMPLEMENTATIONS) {
  Deno.test(`ProposalSink contract: ${name}`, async (t) => {
    for (const [what, run] of CASES) {
      await t.step(what, async () => {
        const harness = await start();
        try {
          await run(harness);
        } finally {
          await harness.close();
        }
      });
    }
  });
}
