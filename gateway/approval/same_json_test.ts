import assert from "node:assert/strict";
import { sameJson } from "./_approve_checks.ts";

Deno.test("sameJson() agrees with comparing JSON texts", () => {
  const rule = { endpoints: [{ host: "a.example", port: 443, ports: [1, 2] }], binaries: [] };
  const cases: [unknown, unknown][] = [
    [rule, structuredClone(rule)],
    [rule, { binaries: [], endpoints: rule.endpoints }], // keys in another order
    [rule, { ...rule, endpoints: [{ ...rule.endpoints[0], port: 444 }] }],
    [rule, { ...rule, extra: undefined }], // JSON leaves undefined out
    [rule, { ...rule, extra: null }],
    [{ a: [1, 2] }, { a: [2, 1] }],
    [{ a: [1] }, { a: { 0: 1 } }],
    [{ a: "1" }, { a: 1 }],
    [[], {}],
    [null, {}],
    ["x", "x"],
  ];
  for (const [x, y] of cases) {
    assert.equal(sameJson(x, y), JSON.stringify(x) === JSON.stringify(y), JSON.stringify([x, y]));
  }
});
