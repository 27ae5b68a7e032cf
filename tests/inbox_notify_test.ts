/**
 * Notification hooks (#16): `--notify` POSTs `proposal.created` and `proposal.decided` as JSON
 * (Slack-compatible `text`, structured fields, inbox link), retries with backoff, logs a final
 * failure as one line without the hook's secret path, and never holds up an approval.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  EventHub,
  type NotificationMessage,
  type ProposalRecord,
  startGateway,
  startNotifier,
} from "../gateway/mod.ts";
import { makeRepo, putProposal } from "./gateway_fixtures.ts";

interface Hook {
  url: string;
  bodies: NotificationMessage[];
  close(): Promise<void>;
}

/** A hook server; `answer` decides each reply (by the request's number, from 1). */
function startHook(answer: (n: number) => Promise<Response> | Response): Hook {
  const bodies: NotificationMessage[] = [];
  const controller = new AbortController();
  let n = 0;
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, signal: controller.signal, onListen: () => {} },
    async (req) => {
      bodies.push(await req.json());
      return await answer(++n);
    },
  );
  return {
    url: `http://127.0.0.1:${server.addr.port}/services/T000/B000/secret-hook-path`,
    bodies,
    close: async () => {
      controller.abort();
      await server.finished;
    },
  };
}

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

Deno.test("notify #16: proposal.created and proposal.decided reach every hook with Slack text, fields and the inbox link", async () => {
  const repo = await makeRepo();
  const hooks = [startHook(() => new Response("ok")), startHook(() => new Response("ok"))];
  const gateway = await startGateway({
    policiesDir: repo.policies,
    stateDir: join(repo.root, ".tollgate"),
    listen: "127.0.0.1:0",
    notify: hooks.map((h) => h.url),
    publicUrl: "https://tollgate.example.test/",
  });
  try {
    const submitted = await gateway.store.submit(putProposal());
    assert.ok(submitted.accepted);
    const id = submitted.proposal.id;
    await until(() => hooks.every((h) => h.bodies.length >= 1), "proposal.created");
    await gateway.store.approve(id, { approvedBy: "alice" });
    await until(() => hooks.every((h) => h.bodies.length >= 2), "proposal.decided");
    for (const hook of hooks) {
      const [created, decided] = hook.bodies;
      assert.equal(created!.event, "proposal.created");
      assert.equal(created!.id, id);
      assert.equal(created!.policy, "team");
      assert.equal(created!.binary, "/usr/bin/curl");
      assert.deepEqual(created!.endpoints, [
        "api.github.com:443 [L7 rest, allow PUT /repos/o/r/contents/x.md]",
      ]);
      assert.equal(created!.url, `https://tollgate.example.test/inbox/proposals/${id}`);
      assert.match(
        created!.text,
        new RegExp(`<https://tollgate\\.example\\.test/inbox/proposals/${id}\\|${id}>`),
      );
      assert.equal(decided!.event, "proposal.decided");
      assert.equal(decided!.status, "approved");
      assert.equal(decided!.decision?.by, "alice");
      assert.equal(decided!.decision?.revision, 4);
      assert.match(decided!.text, /approved by alice, revision 4/);
    }
    // A reviewer's reason cannot open a Slack link or mention: its markup is escaped.
    const other = await gateway.store.submit({ ...putProposal(), ruleName: "other" });
    assert.ok(other.accepted);
    await until(() => hooks[0]!.bodies.length >= 3, "the second proposal.created");
    await gateway.store.reject(other.proposal.id, {
      reason: "<!channel> see <https://evil.example|here>",
      rejectedBy: "bob",
    });
    await until(() => hooks[0]!.bodies.length >= 4, "the rejection");
    const rejected = hooks[0]!.bodies[3]!;
    assert.equal(rejected.decision?.reason, "<!channel> see <https://evil.example|here>");
    assert.match(
      rejected.text,
      /rejected by bob: &lt;!channel&gt; see &lt;https:\/\/evil\.example\|here&gt;/,
    );
  } finally {
    await gateway.close();
    await Promise.all(hooks.map((h) => h.close()));
    await repo.cleanup();
  }
});

function fakeRecord(id: string): ProposalRecord {
  return {
    id,
    state: "pending",
    file: "/dev/null",
    diff: "",
    rule: {
      endpoints: [{ host: "api.github.com", port: 443 }],
      binaries: [{ path: "/usr/bin/curl" }],
    },
    meta: {
      id,
      policy: "team",
      ruleKey: "r",
      created: new Date(0).toISOString(),
      summary: "allow api.github.com:443",
      findings: [],
      rationale: "",
      path: "policies/team.yaml",
    },
  } as ProposalRecord;
}

Deno.test("notify #16: a failing hook is retried with backoff until it answers", async () => {
  const hook = startHook((n) => new Response("busy", { status: n < 3 ? 503 : 200 }));
  const hub = new EventHub();
  const lines: string[] = [];
  const notifier = startNotifier({
    urls: [hook.url],
    hub,
    lookup: (id) => Promise.resolve(fakeRecord(id)),
    inboxUrl: "http://127.0.0.1:1",
    log: (line) => lines.push(line),
    backoffMs: 5,
  });
  try {
    hub.publish({ type: "proposal.created", data: { id: "p-20260101T000000-aaaaaa" } });
    await until(() => hook.bodies.length === 3, "the third attempt");
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(hook.bodies.length, 3);
    assert.deepEqual(lines, []);
  } finally {
    await notifier.close();
    hub.close();
    await hook.close();
  }
});

Deno.test("notify #16: a hook that never answers does not hold up approval; the failure is one log line without the secret path", async () => {
  const repo = await makeRepo();
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const hook = startHook(async () => {
    await released;
    return new Response("late");
  });
  const lines: string[] = [];
  const gateway = await startGateway({
    policiesDir: repo.policies,
    stateDir: join(repo.root, ".tollgate"),
    listen: "127.0.0.1:0",
    notify: [hook.url],
    log: (line) => lines.push(line),
  });
  try {
    const submitted = await gateway.store.submit(putProposal());
    assert.ok(submitted.accepted);
    await until(() => hook.bodies.length >= 1, "the hook to be called");
    const approved = await gateway.store.approve(submitted.proposal.id, { approvedBy: "alice" });
    assert.equal(approved.revision, 4);
  } finally {
    await gateway.close();
    release();
    await hook.close();
    await repo.cleanup();
  }
  assert.ok(lines.length >= 1, "the abandoned delivery is logged");
  for (const line of lines) {
    assert.match(line, /^notify: POST to http:\/\/127\.0\.0\.1:\d+ failed after retries: /);
    assert.doesNotMatch(line, /secret-hook-path/);
    assert.doesNotMatch(line, /\n/);
  }
});
