/**
 * A hostile agent against the names and patterns a reviewer reads in a proposal: a rule name,
 * a query matcher or a request path that reads as another is refused at submit, and a new
 * rule's key never reads as an existing one.
 */
import assert from "node:assert/strict";
import { l7RuleBody as l7Rule } from "./hostile_fixtures.ts";
import { runCliIn, withProposalDesk } from "./support/mod.ts";

Deno.test("hostile review text: a rule name, query matcher or request path that reads as another is refused", async () => {
  await withProposalDesk(async ({ store, post }) => {
    const put = (path: string, query?: unknown) => ({
      rules: [{ allow: query ? { method: "PUT", path, query } : { method: "PUT", path } }],
    });
    const graphql = {
      protocol: "graphql",
      path: "/graphql",
      rules: [{ allow: { operation_type: "query", operation_name: "GetViewer" } }],
    };
    const cases: [string, Record<string, unknown>, RegExp][] = [
      // The existing rule is named "gh-ro": a Cyrillic o made the new one read as it.
      [
        "a name with a Cyrillic o",
        l7Rule({}, { name: "gh-r\u043e" }),
        /confusable_name.*<U\+043E>/,
      ],
      ["a full-width name", l7Rule({}, { name: "\uff47h-ro" }), /confusable_name/],
      [
        "a query value with a Cyrillic a",
        l7Rule(put("/x", { ref: "m\u0430in" })),
        /confusable_query/,
      ],
      [
        "a query key with a Cyrillic a",
        l7Rule(put("/x", { "\u0430ccess": "1" })),
        /confusable_query/,
      ],
      ["a query key ending in a space", l7Rule(put("/x", { "ref ": "main" })), /confusable_query/],
      [
        "a deny whose query never fires",
        l7Rule({
          deny_rules: [{ method: "PUT", path: "/**", query: { ref: { any: ["m\u0430in"] } } }],
        }),
        /confusable_query/,
      ],
      // Read as /repos/o/r/contents/..., matched as /admin/x.
      ["an escaped letter", l7Rule(put("/%61dmin/x")), /non_canonical_path: .*"\/admin\/x"/],
      // A deny rule with a dot-segment never matches a canonical request path.
      [
        "a deny behind dot-segments",
        l7Rule({ deny_rules: [{ method: "*", path: "/repos/o/r/contents/%2e%2e/secret/**" }] }),
        /non_canonical_path: .*"\/repos\/o\/r\/secret\/\*\*"/,
      ],
      ["a raw dot-segment", l7Rule(put("/repos/o/r/./contents/x.md")), /non_canonical_path/],
      ["an empty segment", l7Rule(put("/repos/o/r/contents//x.md")), /non_canonical_path/],
      ["a ;param", l7Rule(put("/repos/o/r/contents;x/x.md")), /non_canonical_path/],
      ["an endpoint path", l7Rule({ path: "/repos/%2E%2E/**" }), /non_canonical_path/],
      // GraphQL names are ASCII: a deny on "D<U+0435>lete*" never fires for DeleteRepo.
      [
        "a GraphQL deny with a Cyrillic e",
        l7Rule({
          ...graphql,
          deny_rules: [{ operation_type: "mutation", operation_name: "D\u0435lete*" }],
        }),
        /confusable_graphql/,
      ],
      [
        "a GraphQL field with a Cyrillic e",
        l7Rule({
          ...graphql,
          rules: [{ allow: { operation_type: "query", fields: ["vi\u0435wer"] } }],
        }),
        /confusable_graphql/,
      ],
      // What a hash or saved-query id runs is the agent's word: "query GetViewer" may be a vendor's
      // saved mutation.
      [
        "a persisted-query registry",
        l7Rule({
          ...graphql,
          persisted_queries: "allow_registered",
          graphql_persisted_queries: {
            "doc-4711": { operation_type: "query", operation_name: "GetViewer" },
          },
        }),
        /persisted_query_registry/,
      ],
    ];
    for (const [what, body, reason] of cases) {
      const res = await post(body);
      const answer = await res.json();
      assert.equal(answer.accepted_chunks, 0, `${what}: ${JSON.stringify(answer)}`);
      assert.match(answer.rejection_reasons.join("\n"), reason, what);
    }
    assert.deepEqual(await store.list({ status: "pending" }), []);
    // Printable ASCII and canonical paths still pass: a space inside a query value, "~" and "@".
    const fine = l7Rule(put("/users/@me/~x/*", { q: "a b*" }), { name: "docs writer" });
    const res = await post(fine);
    assert.equal((await res.json()).accepted_chunks, 1);
  });
});

Deno.test("hostile review text: a new rule's key never reads as an existing one (case, '-' or '.')", async () => {
  // A person's keys may use capitals, "-" and "."; an agent's are sanitised to [a-z0-9_].
  const policy = `version: 1
network_policies:
  GH-Docs:
    endpoints:
      - { host: api.github.com, port: 443, protocol: rest, access: read-only }
    binaries:
      - path: /usr/bin/curl
  notes.api:
    endpoints:
      - { host: notes.example.com, port: 443, protocol: rest, access: read-only }
`;
  await withProposalDesk({ policy }, async ({ repo, store, post }) => {
    const keys: string[] = [];
    for (const ruleName of ["gh_docs", "Notes_API"]) {
      // A rule of its own each: the same rule twice would be one proposal.
      const body = l7Rule({ rules: [{ allow: { method: "PUT", path: `/${ruleName}` } }] });
      body.operations[0]!.addRule.ruleName = ruleName;
      const res = await post(body);
      const [id] = (await res.json()).accepted_chunk_ids as string[];
      keys.push((await store.get(id!))!.meta.ruleKey);
    }
    // Before: "gh_docs" beside "GH-Docs", and "notes_api" beside "notes.api".
    assert.deepEqual(keys, ["gh_docs_2", "notes_api_2"]);
    // A key that came to read as one added since the review is refused at approval, as the same
    // key is (refresh proposes it under a new key).
    const later = l7Rule({ rules: [{ allow: { method: "PUT", path: "/later" } }] });
    later.operations[0]!.addRule.ruleName = "wiki";
    const res = await post(later);
    const [id] = (await res.json()).accepted_chunk_ids as string[];
    const text = await Deno.readTextFile(`${repo.policies}/team.yaml`);
    await Deno.writeTextFile(
      `${repo.policies}/team.yaml`,
      text.replace(
        "network_policies:\n",
        "network_policies:\n  Wiki:\n    endpoints:\n" +
          "      - { host: wiki.example.com, port: 443 }\n",
      ),
    );
    // Before: approved as "wiki" beside the person's "Wiki".
    await assert.rejects(
      store.approve(id!, { approvedBy: "test" }),
      /already has a rule "Wiki", which reads as "wiki"/,
    );
  });
});

Deno.test("hostile review text: a proposed rule named as a rule on the same host is flagged in the checks", async () => {
  // TEAM_POLICY's rule gh_ro (named gh-ro) grants api.github.com:443; the new rule is separate.
  await withProposalDesk(async ({ repo, store, post }) => {
    const codes: string[][] = [];
    for (const name of ["gh-ro", "GH RO", "docs writer"]) {
      const put = { rules: [{ allow: { method: "PUT", path: `/${codes.length}` } }] };
      const res = await post(l7Rule(put, { name }));
      const [id] = (await res.json()).accepted_chunk_ids as string[];
      const record = (await store.get(id!))!;
      codes.push(record.meta.findings.filter((f) => f.code === "name_taken").map((f) => f.code));
      if (codes.length === 1) {
        const shown = await runCliIn(["proposals", "show", id!], repo.root);
        assert.match(shown.out, /info name_taken: rule name "gh-ro" is the name of rule gh_ro/);
      }
    }
    // Before: no finding, so "name: gh-ro" under the new key gh_ro_2 read as the reviewed gh_ro.
    assert.deepEqual(codes, [["name_taken"], ["name_taken"], []]);
  });
});
