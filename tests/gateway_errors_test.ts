/**
 * Gateway errors and audit failures as an operator and a client meet them (#18 items 8, 9):
 * a deliberate 4xx says what was wrong, anything else is a 500 without internal text, and an
 * OCSF write that fails is reported and counted, never silent.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  CredentialStore,
  type DirectoryWatcher,
  EventHub,
  type ProposalStore,
  startGateway,
  UnknownProposalError,
} from "../gateway/mod.ts";
// The app factory is internal to the gateway; its error mapping is tested through it.
import { createGatewayApp } from "../gateway/server/gateway_app.ts";
import { runCli } from "../cli/mod.ts";
import { captureCtx, makeRepo, putProposal } from "./gateway_fixtures.ts";
import { curlArgs } from "./support/mod.ts";
import { startProxyService } from "../proxy/mod.ts";
import { readOcsfEvents } from "../proxy/ocsf/mod.ts";

async function appWith(store: Partial<ProposalStore>, report: (line: string) => void) {
  const state = await Deno.makeTempDir({ prefix: "tollgate-gw-err-" });
  const credentials = new CredentialStore(state);
  const token = await credentials.addReviewer("alice");
  const hub = new EventHub();
  const app = createGatewayApp({
    store: store as ProposalStore,
    watcher: {} as DirectoryWatcher,
    hub,
    token: "h".repeat(40),
    credentials,
    report,
  });
  const get = (path: string) =>
    app.request(path, { headers: { authorization: `Bearer ${token}` } });
  const post = (path: string, body: unknown) =>
    app.request(path, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  return { get, post, close: () => (hub.close(), Deno.remove(state, { recursive: true })) };
}

Deno.test("gateway #18.9: an unexpected error is a 500 with no internal text, reported to the operator", async () => {
  const reported: string[] = [];
  const store = {
    list: () => Promise.reject(new TypeError("Cannot read properties of undefined (/srv/secret)")),
  };
  const gw = await appWith(store, (line) => reported.push(line));
  try {
    const response = await gw.get("/v1/proposals");
    assert.equal(response.status, 500);
    const text = await response.text();
    assert.deepEqual(JSON.parse(text), { error: "internal", detail: "Internal error" });
    assert.doesNotMatch(text, /secret|properties/);
    assert.equal(reported.length, 1);
    assert.match(reported[0]!, /^gateway: internal error on GET \/v1\/proposals: Cannot read/);
  } finally {
    await gw.close();
  }
});

Deno.test("gateway #18.9: a deliberate bad request is a 400 that says what was wrong", async () => {
  const gw = await appWith({ list: () => Promise.resolve([]) }, () => {});
  try {
    const response = await gw.get("/v1/proposals?status=bogus");
    assert.equal(response.status, 400);
    assert.deepEqual(await response.json(), { error: "bad_request", detail: "Invalid status" });
  } finally {
    await gw.close();
  }
});

Deno.test("gateway #18.8: an OCSF write that fails is reported once and counted in /v1/status", async () => {
  const repo = await makeRepo();
  const state = join(repo.root, ".tollgate");
  await Deno.mkdir(state);
  // logs/ is a file: every append fails, as on a full or read-only disk.
  await Deno.writeTextFile(join(state, "logs"), "not a directory");
  const lines: string[] = [];
  const gw = await startGateway({
    policiesDir: repo.policies,
    stateDir: state,
    listen: "127.0.0.1:0",
    log: (line) => lines.push(line),
  });
  try {
    const submitted = await gw.store.submit(putProposal("needed"));
    assert.ok(submitted.accepted);
    await gw.store.reject(submitted.proposal.id, { reason: "no" });
    assert.equal(lines.filter((l) => l.startsWith("audit log:")).length, 1, lines.join("\n"));
    assert.match(lines[0]!, /^audit log: 1 event\(s\) not written \(.+\); 1 dropped in all/);
    const reviewer = await gw.credentials.addReviewer("alice");
    const status = await fetch(`${gw.url}/v1/status`, {
      headers: { authorization: `Bearer ${reviewer}` },
    });
    assert.equal(status.status, 200);
    const body = await status.json();
    assert.ok(body.audit_log.dropped >= 2, JSON.stringify(body));
    const { token } = await gw.credentials.enrolProxy("team");
    const forbidden = await fetch(`${gw.url}/v1/status`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(forbidden.status, 403);
    await forbidden.body?.cancel();
  } finally {
    await gw.close();
    await repo.cleanup();
  }
});

Deno.test("cli #18.8: a CLI decision whose audit line cannot be written says so on stderr", async () => {
  const repo = await makeRepo();
  try {
    const state = join(repo.root, ".tollgate");
    await Deno.mkdir(state);
    await Deno.writeTextFile(join(state, "logs"), "not a directory");
    const store = (await import("../gateway/mod.ts")).ProposalStore;
    const submitted = await new store({ policiesDir: repo.policies }).submit(putProposal("x"));
    assert.ok(submitted.accepted);
    const c = captureCtx(repo.root);
    const args = ["proposals", "reject", submitted.proposal.id, "--reason", "no"];
    assert.equal(await runCli(args, c.ctx), 0, c.err.join(""));
    assert.match(c.err.join(""), /^warning: audit log: 1 event\(s\) not written/);
  } finally {
    await repo.cleanup();
  }
});

Deno.test("cli #18.4: in up's composition one proposal is one CONFIG:PROPOSED event in the shared log", async () => {
  const repo = await makeRepo();
  const stateDir = join(repo.root, ".tollgate");
  const gw = await startGateway({ policiesDir: repo.policies, stateDir, listen: "127.0.0.1:0" });
  // As `tollgate up` composes them: the proxy hands proposals to the gateway's own store.
  const service = await startProxyService({
    policy: "team",
    policiesDir: repo.policies,
    stateDir,
    sink: gw.store,
  });
  try {
    const body = JSON.stringify({
      intent_summary: "write one file",
      operations: [{ addRule: { ruleName: "put_x", rule: putProposal().rule } }],
    });
    const answer = await curlArgs([
      "-x",
      `http://127.0.0.1:${service.port}`,
      "--data-binary",
      body,
      "http://policy.local/v1/proposals",
    ]);
    assert.equal(answer.status, 202, answer.body);
  } finally {
    await service.close();
    await gw.close();
  }
  try {
    const { events } = await readOcsfEvents(join(stateDir, "logs"), { last: 100 });
    const proposed = events.filter((e) =>
      String(e.message).includes("PROPOSED") ||
      (e.unmapped as { config_state?: string })?.config_state === "PROPOSED"
    );
    assert.equal(proposed.length, 1, proposed.map((e) => e.message).join("\n"));
  } finally {
    await repo.cleanup();
  }
});

Deno.test("gateway #19: approve and reject decide under the store's lock, never from a read before it", async () => {
  // A read outside the lock can miss a proposal that a remote sync's rebase is replaying (the
  // three-host test saw 404 for a pending proposal): the decision itself must say.
  const id = "p-20260101T000000-abcdef";
  const decided: string[] = [];
  const store = {
    get: () => Promise.resolve(undefined),
    approve: (at: string) => (decided.push(`approve ${at}`), Promise.resolve({ id: at } as never)),
    reject: (at: string) => (decided.push(`reject ${at}`), Promise.resolve()),
  };
  const gw = await appWith(store, () => {});
  const unknown = await appWith({
    approve: (at: string) => Promise.reject(new UnknownProposalError(at, "approve")),
  }, () => {});
  try {
    assert.equal((await gw.post(`/v1/proposals/${id}/approve`, {})).status, 200);
    assert.equal((await gw.post(`/v1/proposals/${id}/reject`, { reason: "no" })).status, 200);
    assert.deepEqual(decided, [`approve ${id}`, `reject ${id}`]);
    const missing = await unknown.post(`/v1/proposals/${id}/approve`, {});
    assert.equal(missing.status, 404);
    assert.equal((await missing.json()).error, "not_found");
  } finally {
    await gw.close();
    await unknown.close();
  }
});
