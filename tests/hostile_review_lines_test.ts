/**
 * A hostile agent against the one-line renderings a reviewer reads first: the endpoint line of
 * `proposals show`, the inbox and notifications, and the summary (patch subject) must not read
 * narrower than the rule is.
 */
import assert from "node:assert/strict";
import { notificationMessage } from "../gateway/mod.ts";
import { l7RuleBody as l7Rule } from "./hostile_fixtures.ts";
import { runCliIn, withProposalDesk } from "./support/mod.ts";

Deno.test("hostile review text: a deny's query and its endpoint's path show in the one-line endpoint of show and the notification", async () => {
  await withProposalDesk(async ({ repo, store, post }) => {
    const body = l7Rule({
      rules: [{ allow: { method: "PUT", path: "/repos/o/r/contents/**" } }],
      deny_rules: [{ method: "PUT", path: "/repos/o/r/contents/**", query: { ref: "main" } }],
    });
    const res = await post(body);
    const [id] = (await res.json()).accepted_chunk_ids as string[];
    // Before: "deny PUT /repos/o/r/contents/**", a deny of every PUT where it fires only on main.
    const line = "api.github.com:443 [L7 rest, allow PUT /repos/o/r/contents/**, " +
      "deny PUT /repos/o/r/contents/**; query ref=main]";
    const shown = await runCliIn(["proposals", "show", id!], repo.root);
    assert.ok(shown.out.includes(`Endpoints:  ${line}`), shown.out);
    const note = notificationMessage("proposal.created", (await store.get(id!))!, "http://x/");
    assert.deepEqual(note.endpoints, [line]);
    // An endpoint's path scopes its deny: "deny * /**" alone read as a deny of everything.
    const scoped = l7Rule({
      path: "/repos/o/r/contents/**",
      deny_rules: [{ method: "*", path: "/**" }],
    });
    const second = await post(scoped);
    const [other] = (await second.json()).accepted_chunk_ids as string[];
    const listed = await runCliIn(["proposals", "show", other!], repo.root);
    assert.match(listed.out, /\[L7 rest, path=\/repos\/o\/r\/contents\/\*\*, allow PUT /);
  });
});

Deno.test("hostile review text: the summary leads with a GraphQL mutation behind a REST read, and names it", async () => {
  await withProposalDesk(async ({ store, post }) => {
    const body = l7Rule({ rules: [{ allow: { method: "GET", path: "/repos/o/r/readme" } }] });
    body.operations[0]!.addRule.rule.endpoints.push({
      host: "api.github.com",
      port: 443,
      protocol: "graphql",
      path: "/graphql",
      rules: [{ allow: { operation_type: "mutation", operation_name: "*" } }],
    } as never);
    const res = await post(body);
    const [id] = (await res.json()).accepted_chunk_ids as string[];
    // Before: "allow GET api.github.com:443 /repos/o/r/readme (+1 endpoint)", the mutation hidden.
    assert.equal(
      (await store.get(id!))!.meta.summary,
      "policy(team): allow mutation * api.github.com:443 /graphql (+1 endpoint) for /usr/bin/curl",
    );
    // A GraphQL endpoint is L7: before, it was called "an L4 grant" (use_l7_not_l4).
    const codes = (await store.get(id!))!.meta.findings.map((f) => f.code);
    assert.ok(!codes.includes("use_l7_not_l4"), codes.join());
  });
});

Deno.test("hostile review text: an audit endpoint reads as every request in the summary, list, show and notification", async () => {
  await withProposalDesk(async ({ repo, store, post }) => {
    // Audit allows what it would deny: this rule lets curl make any request to the host.
    const body = l7Rule({
      enforcement: "audit",
      rules: [{ allow: { method: "GET", path: "/repos/o/r/readme" } }],
    });
    const res = await post(body);
    const [id] = (await res.json()).accepted_chunk_ids as string[];
    // Before: "allow GET api.github.com:443 /repos/o/r/readme for /usr/bin/curl".
    const headline = "allow * api.github.com:443 /** (audit) for /usr/bin/curl";
    const listed = await runCliIn(["proposals", "list"], repo.root);
    assert.ok(listed.out.includes(headline), listed.out);
    const line = "api.github.com:443 [L7 rest, enforcement=audit, allow GET /repos/o/r/readme]";
    const shown = await runCliIn(["proposals", "show", id!], repo.root);
    assert.ok(shown.out.includes(`Endpoints:  ${line}`), shown.out);
    const note = notificationMessage("proposal.created", (await store.get(id!))!, "http://x/");
    assert.ok(note.text.includes(headline), note.text);
    assert.deepEqual(note.endpoints, [line]);
  });
});
