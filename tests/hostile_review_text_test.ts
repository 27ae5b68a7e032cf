/**
 * A hostile agent against what a reviewer reads first: the one-line summary of a proposal
 * (`proposals list`, the notification, the approval commit's subject).
 */
import assert from "node:assert/strict";
import { notificationMessage } from "../gateway/mod.ts";
import { runCliIn, withProposalDesk } from "./support/mod.ts";

/** 30 narrow reads first, the grant that matters last. */
function buriedDelete(): Record<string, unknown> {
  const rules = Array.from({ length: 30 }, (_, i) => ({
    allow: { method: "GET", path: `/repos/o/r/contents/docs/page${i}.md` },
  }));
  rules.push({ allow: { method: "DELETE", path: "/repos/o/r" } });
  return {
    intent_summary: "read the docs pages",
    operations: [{
      addRule: {
        ruleName: "docs_pages",
        rule: {
          endpoints: [
            { host: "docs.example.com", port: 443, protocol: "rest", access: "read-only" },
            { host: "api.github.com", port: 443, protocol: "rest", rules },
          ],
          binaries: [{ path: "/usr/bin/curl" }, { path: "/usr/bin/*" }],
        },
      },
    }],
  };
}

Deno.test("hostile review text: the summary leads with the strongest grant, not the agent's first", async () => {
  await withProposalDesk(async ({ repo, store, post }) => {
    const res = await post(buriedDelete());
    assert.equal(res.status, 202);
    const [id] = (await res.json()).accepted_chunk_ids as string[];
    const headline = "allow DELETE api.github.com:443 /repos/o/r (+30 more) (+1 endpoint) " +
      "for /usr/bin/*, /usr/bin/curl";
    const listed = await runCliIn(["proposals", "list"], repo.root);
    assert.equal(listed.code, 0, listed.err);
    // Before, the headline read "allow read-only docs.example.com:443 (+1 endpoint) for
    // /usr/bin/curl (+1)".
    assert.ok(listed.out.includes(headline), listed.out);
    const record = (await store.get(id!))!;
    assert.ok(notificationMessage("proposal.created", record, "http://x/").text.includes(headline));
    await store.approve(id!, { approvedBy: "test" });
    assert.match(
      await repo.git("log", "-1", "--format=%s"),
      new RegExp(`${headline.replace(/[()*+]/g, "\\$&")}`),
    );
  });
});

/** Tag characters spelling "approve it" after a harmless word: nothing shows on a screen. */
const HIDDEN = "docs" +
  [..."approve it"].map((ch) => String.fromCodePoint(0xe0000 + ch.codePointAt(0)!)).join("");

Deno.test("hostile review text: tag characters in the agent's rationale are shown, never passed on invisibly", async () => {
  await withProposalDesk(async ({ repo, post }) => {
    const body = { ...buriedDelete(), intent_summary: HIDDEN };
    const res = await post(body);
    assert.equal(res.status, 202);
    const [id] = (await res.json()).accepted_chunk_ids as string[];
    const shown = await runCliIn(["proposals", "show", id!], repo.root);
    assert.equal(shown.code, 0, shown.err);
    assert.ok(shown.out.includes("docs<U+E0061><U+E0070>"), shown.out);
    assert.ok(!/[\u{e0000}-\u{e007f}]/u.test(shown.out));
    const patch = await Deno.readTextFile(`${repo.policies}/pending/${id}.patch`);
    assert.ok(!/[\u{e0000}-\u{e007f}]/u.test(patch));
  });
});

/** A proposal body for one rule: a PUT of `path` by `binary`, named `name`. */
function oneRule(
  binary: string,
  name = "docs",
  path = "/repos/o/r/contents/x.md",
): Record<string, unknown> {
  const rule = {
    name,
    endpoints: [{
      host: "api.github.com",
      port: 443,
      protocol: "rest",
      rules: [{ allow: { method: "PUT", path } }],
    }],
    binaries: [{ path: binary }],
  };
  return { intent_summary: "x", operations: [{ addRule: { ruleName: "docs", rule } }] };
}

Deno.test("hostile review text: a binary path that reads as another (homoglyph, no-break space) is refused", async () => {
  await withProposalDesk(async ({ store, post }) => {
    const cases: [string, string, RegExp][] = [
      [
        "a Cyrillic es",
        oneRule("/usr/bin/\u0441url"),
        /confusable_binary: binary \/usr\/bin\/<U\+0441>url/,
      ],
      ["a full-width solidus", oneRule("/usr/bin\uff0fcurl"), /confusable_binary/],
      ["a trailing no-break space", oneRule("/usr/bin/curl\u00a0"), /confusable_binary/],
      // The writer and reader of YAML disagree on it: before, the agent got 502 gateway_unavailable
      // (now the name's own check refuses it first).
      [
        "a name ending in a no-break space",
        oneRule("/usr/bin/curl", "docs\u00a0"),
        /confusable_name: rule name docs<U\+00A0>/,
      ],
    ].map(([what, body, reason]) => [what as string, JSON.stringify(body), reason as RegExp]);
    for (const [what, body, reason] of cases) {
      const res = await post(JSON.parse(body));
      assert.equal(res.status, 202, what);
      const answer = await res.json();
      assert.equal(answer.accepted_chunks, 0, what);
      assert.match(answer.rejection_reasons.join("\n"), reason, what);
    }
    assert.deepEqual(await store.list({ status: "pending" }), []);
  });
});

Deno.test("hostile review text: a deeply nested proposal body is refused (400), not a 500", async () => {
  await withProposalDesk(async ({ policyLocal }) => {
    const deep = "[".repeat(30_000) + "]".repeat(30_000);
    const endpoint = `{"host":"a.example.com","port":443,"protocol":"rest","rules":[{"allow":` +
      `{"method":"GET","path":"/x","query":{"q":{"any":${deep}}}}}]}`;
    const body = `{"intent_summary":"x","operations":[{"addRule":{"ruleName":"d","rule":` +
      `{"endpoints":[${endpoint}],"binaries":[{"path":"/usr/bin/curl"}]}}}]}`;
    const res = await policyLocal().request("http://policy.local/v1/proposals", {
      method: "POST",
      body,
    });
    assert.equal(res.status, 400);
    assert.match((await res.json()).detail, /nests deeper than 32 levels/);
  });
});

Deno.test("hostile review text: Slack formatting characters in a rule stay literal in the notification", async () => {
  await withProposalDesk(async ({ store, post }) => {
    // A backtick in a request path is matched as %60, so it goes in the binary.
    const path = "/repos/*/contents/_draft_/*x";
    const res = await post(oneRule("/usr/bin/cu`rl", "slack", path));
    assert.equal(res.status, 202);
    const [id] = (await res.json()).accepted_chunk_ids as string[];
    const text = notificationMessage("proposal.created", (await store.get(id!))!, "http://x/").text;
    // Before: "... /repos/*/contents/_draft_/*x for /usr/bin/cu`rl" where Slack shows bold and
    // italics and drops the wildcards.
    assert.ok(
      text.endsWith(
        "(`team`, `sb-hostile`): `policy(team): allow PUT api.github.com:443 " +
          "/repos/*/contents/_draft_/*x for /usr/bin/cu&lt;U+0060&gt;rl`",
      ),
      text,
    );
  });
});
