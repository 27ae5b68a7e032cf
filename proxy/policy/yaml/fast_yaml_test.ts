import assert from "node:assert/strict";
import { parse, stringify } from "yaml";
import { fastYamlValue } from "./_fast_yaml.ts";
import { blockYamlValue } from "./_block_yaml.ts";
import { parsePolicy } from "./parse_policy.ts";
import { syntheticPolicy } from "../../../tests/support/synthetic_policy.ts";

/** Scalars and shapes where YAML parsers are known to differ (1.1 vs 1.2, tags, styles). */
const TRICKY = [
  "0o17",
  "0x1F",
  "017",
  "08",
  "0b101",
  "1_000",
  "+1",
  "-0",
  ".5",
  "1.",
  "1e3",
  "1E+3",
  ".inf",
  "-.Inf",
  ".NaN",
  "~",
  "null",
  "Null",
  "NULL",
  "true",
  "True",
  "TRUE",
  "yes",
  "No",
  "on",
  "off",
  "y",
  "n",
  "2024-01-01",
  "2001-12-14t21:59:43.10-05:00",
  "1:20",
  "'single ''q'''",
  '"dq \\t \\u00e9 \\x41"',
  "!!str 1",
  "!!int 3",
  "!!float 1",
  "!!bool true",
  "!!null ''",
  "/a/*/b/**",
  "'*.example.com'",
  "a #not comment",
  "a # comment",
  "|\n  line 1\n  line 2\n",
  ">-\n  folded\n  text\n\n  para\n",
  "|+\n  keep\n\n",
  "[a, {b: c}, [1, 2]]",
  "{a: 1, b: [x, y]}",
  "\n  - 1\n  - - 2\n    - 3\n",
  "\n  k: v\n  k2: {}\n",
  "\n  ? complex\n  : value\n",
  "\n  <<: {a: 1}\n  b: 2\n",
  "\n  '<<': x\n",
  '"multi\n  line"',
  "plain\n  multi line",
];

function corpus(): string[] {
  const texts = TRICKY.flatMap((v) => [
    `key: ${v}\n`,
    `list:\n  - ${v}\n`,
    `{k: ${v}}\n`,
    `${v}: key\n`,
    `{${v}: key}\n`,
  ]);
  texts.push(
    "1: a\n2.5: b\nnull: c\ntrue: d\n",
    "a: 1\r\nb: 2\r\n",
    "\ufeffa: 1\n",
    "a:\tb\n",
    "--- \na: 1\n...\n",
    "%YAML 1.2\n---\na: 1\n",
    "a: 1\n# trailing comment",
    "",
    "# only a comment\n",
    "a: &x 1\nb: *x\n",
    "a: 1\n---\nb: 2\n",
    "a: 1\na: 2\n",
    "[1, 2]: x\n",
    "a: !custom x\n",
    stringify(syntheticPolicy(200), { lineWidth: 0 }),
  );
  for (const entry of Deno.readDirSync("policies/examples")) {
    texts.push(Deno.readTextFileSync(`policies/examples/${entry.name}`));
  }
  texts.push(Deno.readTextFileSync("policies/demo.yaml"));
  return texts;
}

function yamlValue(text: string): { value: unknown } | undefined {
  try {
    return { value: parse(text, { maxAliasCount: 100 }) };
  } catch {
    return undefined;
  }
}

Deno.test("fastYamlValue() means what yaml's parse() means, for every text it takes", () => {
  let taken = 0;
  for (const text of corpus()) {
    const fast = fastYamlValue(text);
    if (fast === undefined) continue;
    taken++;
    const slow = yamlValue(text);
    assert.ok(slow, `yaml refuses what the fast parse took: ${JSON.stringify(text)}`);
    // Non-finite numbers and -0 survive JSON poorly: compare them with Object.is.
    assert.deepStrictEqual(fast, slow.value, `differs on ${JSON.stringify(text)}`);
  }
  assert.ok(taken > 100, `the fast parse took only ${taken} texts`);
});

/** Block layouts where a line-by-line reader could go wrong. */
const LAYOUTS = [
  "a:\n- 1\n- b\nc: d\n",
  "a:\n  -   b: 1\n      c: 2\n  - d\n",
  "a:\n  - b: 1\n  - c\n",
  "a:\n  b: 1\n   c: 2\n",
  "a:\n    b: 1\n  c: 2\n",
  "a: b\n  c\n",
  "a:\n  - b\n    c\n",
  "a: 1\nb:\nc: 2\n",
  "a : 1\n",
  "a:  spaced  words  # comment\n",
  "a: 'x # y'\n",
  'a: "x: y"\n',
  "'a b': 1\n\"c\": '2'\n",
  "a: ''\n",
  "a: 'it''s'\n",
  "a: x#y\n",
  "a: it's\n",
  "a: b: c\n",
  "a:b\n",
  "a: -1\n",
  "a: 1.5\n",
  "a: 0\nb: 0123\nc: 123456789012345678\n",
  "a:\n  - - 1\n",
  "a:\n  -\n    b: 1\n",
  "- a\n",
  "a: {}\nb: []\nc: { }\n",
  "a: /opt/**\nb: /r/*/i/**\n",
  "  a: 1\n",
  "a:\n  b: 1\n  b: 2\n",
  "a: 1 #c\n#d\n  # e\nb: 2\n",
];

Deno.test("blockYamlValue() means what yaml's parse() means, for every text it takes", () => {
  let taken = 0;
  for (const text of [...corpus(), ...LAYOUTS]) {
    const fast = blockYamlValue(text);
    if (fast === undefined) continue;
    taken++;
    const slow = yamlValue(text);
    assert.ok(slow, `yaml refuses what the block parse took: ${JSON.stringify(text)}`);
    assert.deepStrictEqual(fast, slow.value, `differs on ${JSON.stringify(text)}`);
  }
  assert.ok(taken > 40, `the block parse took only ${taken} texts`);
  // The shape Tollgate and yaml.stringify write is taken whole.
  const policy = stringify(syntheticPolicy(500), { lineWidth: 0 });
  assert.deepStrictEqual(blockYamlValue(policy), yamlValue(policy)!.value);
});

Deno.test("hostile #15.4: a duplicate rule key still reports its file:line:col", () => {
  const text =
    "version: 1\nnetwork_policies:\n  a:\n    endpoints: [{host: h.example.com, port: 1}]\n" +
    "    binaries: [{path: /b}]\n  a:\n    endpoints: [{host: i.example.com, port: 2}]\n" +
    "    binaries: [{path: /b}]\n";
  const { policy, issues } = parsePolicy(text, "p.yaml");
  assert.equal(policy, undefined);
  assert.equal(issues[0]?.file, "p.yaml");
  assert.equal(issues[0]?.line, 6);
  assert.match(issues[0]!.message, /unique|duplicate/i);
});

Deno.test("hostile #15.4: the fast parse reads the revision comment as the yaml path does", () => {
  const revision = (text: string) => parsePolicy(text, "p.yaml").policy?.revision;
  assert.equal(revision("version: 1\n# tollgate-revision: 7\n"), 7);
  assert.equal(revision("version: 1\nrevision: 7\n# tollgate-revision: 7\n"), 7);
  assert.equal(revision("version: 1\n# tollgate-revision: 7 8\n"), 0, "not the comment's form");
  for (
    const bad of [
      "version: 1\n# tollgate-revision: 7\n# tollgate-revision: 7\n",
      "version: 1\nrevision: 3\n# tollgate-revision: 4\n",
      "version: 1\n# tollgate-revision: x\n",
    ]
  ) {
    const { policy, issues } = parsePolicy(bad, "p.yaml");
    assert.equal(policy, undefined, bad);
    assert.match(issues[0]!.message, /tollgate-revision/);
    assert.ok(issues[0]!.line >= 2);
  }
  // A scalar holding the comment's words is not the comment: yaml's path tells them apart.
  const inScalar = 'version: 1\nnetwork_policies:\n  a:\n    name: "x\n# tollgate-revision: 9"\n' +
    "    endpoints: [{host: h.example.com, port: 1}]\n    binaries: [{path: /b}]\n";
  const parsed = parsePolicy(inScalar, "p.yaml");
  assert.equal(parsed.policy?.revision ?? "refused", parsed.issues.length ? "refused" : 0);
});
