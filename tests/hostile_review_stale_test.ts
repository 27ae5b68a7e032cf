/**
 * A hostile agent against the time between a review and its approval: a proposal that reads
 * "adds nothing: already covered by the policy" while a rule covers it, approved after a person
 * removed that rule. Before, the approval went through: the reviewer approved a grant of exactly
 * what had just been taken away, having read that it added nothing. An approval from the inbox
 * (always) or the API (when the body names the hash it read) now refuses when the policy is no
 * longer the one the reviewer read the proposal against.
 */
import assert from "node:assert/strict";
import { TEAM_POLICY } from "./gateway_fixtures.ts";
import { approveFields, signInBrowser, submitPut, withInbox } from "./inbox_fixtures.ts";
import type { InboxFixture } from "./inbox_fixtures.ts";
import { runCliIn } from "./support/mod.ts";

const COVERING = `  gh_write:
    endpoints:
      - host: api.github.com
        port: 443
        protocol: rest
        rules:
          - allow: { method: PUT, path: "/repos/o/r/contents/**" }
    binaries:
      - path: /usr/bin/curl
`;
const WITH_WRITE = TEAM_POLICY.replace("\nfilesystem_policy:", `${COVERING}\nfilesystem_policy:`);

/** The policy with the covering write rule, committed. */
async function covered(f: InboxFixture): Promise<void> {
  await Deno.writeTextFile(`${f.repo.policies}/team.yaml`, WITH_WRITE);
  await f.repo.git("commit", "-qam", "curl may write contents");
}

/** A person takes the write rule away again. */
async function revoked(f: InboxFixture): Promise<void> {
  await Deno.writeTextFile(`${f.repo.policies}/team.yaml`, TEAM_POLICY);
  await f.repo.git("commit", "-qam", "no more writes");
}

Deno.test("hostile review stale: an inbox approval of a page read before the policy changed is refused", () =>
  withInbox(async (f) => {
    await covered(f);
    const id = await submitPut(f, "only a file I may already write");
    const b = await signInBrowser(f, f.aliceToken);
    const page = await (await b.get(`/inbox/proposals/${id}`)).text();
    assert.match(page, /adds nothing: already covered by the policy/);
    // Every field of the approve form, as the browser would send it.
    const fields = approveFields(page);
    await revoked(f);
    const res = await b.post(`/inbox/proposals/${id}/approve`, fields);
    assert.equal(res.status, 409, "approved a grant read as covered after its cover was removed");
    assert.match(await res.text(), /policy changed since you reviewed it/);
    assert.equal((await f.store.get(id))?.state, "pending");
    // Read again, it says what it adds now, and approves.
    const again = await (await b.get(`/inbox/proposals/${id}`)).text();
    assert.match(again, /adds 1 grant/);
    assert.match(approveFields(again).policy_hash ?? "", /^[0-9a-f]{64}$/);
    const ok = await b.post(`/inbox/proposals/${id}/approve`, approveFields(again));
    assert.equal(ok.status, 303);
  }));

Deno.test("hostile review stale: an API approval naming the policy hash it read is refused once the policy moved", () =>
  withInbox(async (f) => {
    await covered(f);
    const id = await submitPut(f, "only a file I may already write");
    const auth = { Authorization: `Bearer ${f.aliceToken}`, "Content-Type": "application/json" };
    const review = await (await f.request(`/v1/proposals/${id}/review`, { headers: auth })).json();
    assert.match(review.findings.map((x: { message: string }) => x.message).join(), /adds nothing/);
    const read = review.current_policy_hash as string;
    assert.match(read, /^[0-9a-f]{64}$/);
    await revoked(f);
    const approve = (body: unknown) =>
      f.request(`/v1/proposals/${id}/approve`, {
        method: "POST",
        headers: auth,
        body: JSON.stringify(body),
      });
    const stale = await approve({ current_policy_hash: read });
    assert.equal(stale.status, 409, await stale.clone().text());
    assert.match((await stale.json()).detail, /policy changed since you reviewed it/);
    assert.equal((await f.store.get(id))?.state, "pending");
    // Without the field, the approval still refuses to add what the proposal did not add when
    // it was submitted (its patch's checks said "adds nothing").
    const blind = await approve({});
    assert.equal(blind.status, 409);
    assert.match((await blind.json()).detail, /adds what it did not when submitted/);
    const fresh = await (await f.request(`/v1/proposals/${id}/review`, { headers: auth })).json();
    assert.equal((await approve({ current_policy_hash: fresh.current_policy_hash })).status, 200);
  }));

Deno.test("hostile review stale: a patch read in Git that said 'adds nothing' is not approved once it adds something", () =>
  withInbox(async (f) => {
    await covered(f);
    const id = await submitPut(f, "only a file I may already write");
    const patchFile = `${f.repo.policies}/pending/${id}.patch`;
    assert.match(await Deno.readTextFile(patchFile), /adds nothing: already covered/);
    await revoked(f);
    // Before: approved, the reviewer having read in the patch that it added nothing.
    const blind = await runCliIn(["proposals", "approve", id], f.repo.root);
    assert.equal(blind.code, 1, blind.out);
    assert.match(blind.err, /adds what it did not when submitted: \/usr\/bin\/curl -> api/);
    assert.match(blind.err, /proposals refresh/);
    assert.equal((await f.store.get(id))?.state, "pending");
    // Refreshed, the patch says what it adds now, and approves as read.
    assert.equal((await runCliIn(["proposals", "refresh", id], f.repo.root)).code, 0);
    assert.match(await Deno.readTextFile(patchFile), /adds 1 grant/);
    const ok = await runCliIn(["proposals", "approve", id], f.repo.root);
    assert.equal(ok.code, 0, ok.err);
  }));

Deno.test("hostile review stale: a policy change that makes a proposal add less does not hold it up", () =>
  withInbox(async (f) => {
    const id = await submitPut(f, "write x.md");
    await covered(f); // a wider rule now covers it: it adds nothing any more
    const res = await runCliIn(["proposals", "approve", id], f.repo.root);
    assert.equal(res.code, 0, res.err);
  }));

Deno.test("hostile review stale: `proposals approve --policy-hash` with the hash `show` printed is refused once the policy moved", () =>
  withInbox(async (f) => {
    await covered(f);
    const id = await submitPut(f, "only a file I may already write");
    const shown = await runCliIn(["proposals", "show", id], f.repo.root);
    assert.match(shown.out, /adds nothing: already covered by the policy/);
    const hash = /^Policy hash: ([0-9a-f]{64})$/m.exec(shown.out)?.[1];
    assert.ok(hash, shown.out);
    assert.match(shown.out, new RegExp(`proposals approve ${id} --policy-hash ${hash}`));
    const json = await runCliIn(["proposals", "show", id, "--json"], f.repo.root);
    assert.equal(JSON.parse(json.out).current_policy_hash, hash);
    await revoked(f);
    const stale = await runCliIn(["proposals", "approve", id, "--policy-hash", hash], f.repo.root);
    assert.equal(stale.code, 1, stale.out);
    assert.match(stale.err, /policy changed since you reviewed it/);
    assert.equal((await f.store.get(id))?.state, "pending");
    const two = await runCliIn(
      ["proposals", "approve", id, id, "--policy-hash", hash],
      f.repo.root,
    );
    assert.equal(two.code, 2, two.err);
    const fresh = /^Policy hash: ([0-9a-f]{64})$/m.exec(
      (await runCliIn(["proposals", "show", id], f.repo.root)).out,
    )?.[1];
    const ok = await runCliIn(["proposals", "approve", id, "--policy-hash", fresh!], f.repo.root);
    assert.equal(ok.code, 0, ok.err);
  }));
