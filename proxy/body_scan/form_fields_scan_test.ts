/**
 * formMethodScanner() with judged query keys: a body field origins merge into the parameters
 * they read the query as (PHP's `$_REQUEST`, Rack's `params`, Laravel's `input()`) refuses the
 * body when a rule on the request judges that key.
 */
import assert from "node:assert/strict";
import zlib from "node:zlib";
import { FieldNames, formMethodScanner } from "./form_method_scan.ts";
import type { HeaderField } from "../wire/mod.ts";

const encoder = new TextEncoder();
const names = new FieldNames(["force", "per_page"]);
const FORM: HeaderField[] = [["Content-Type", "application/x-www-form-urlencoded"]];
const JSON_TYPE: HeaderField[] = [["Content-Type", "application/json"]];
const MULTIPART: HeaderField[] = [["Content-Type", "multipart/form-data; boundary=XyZ"]];

/** What `method`'s body `text`, cut after every byte, comes to: methods or the problem. */
async function scan(method: string, headers: HeaderField[], text: string) {
  const scanner = formMethodScanner(method, headers, {}, names)!;
  const bytes = encoder.encode(text);
  const found: string[] = [];
  for (let at = 0; at < bytes.byteLength; at++) {
    const result = scanner.push(bytes.subarray(at, at + 1));
    if (typeof result === "string") return result;
    found.push(...result);
  }
  const end = await scanner.end();
  return typeof end === "string" ? end : [...found, ...end];
}

const part = (name: string) =>
  `--XyZ\r\nContent-Disposition: form-data; name="${name}"\r\n\r\nx\r\n--XyZ--\r\n`;

const REFUSED: [string, HeaderField[], string][] = [
  ["POST", FORM, "a=1&force=true"],
  ["POST", FORM, "force"],
  ["POST", [], "a=1;+FORCE=1"],
  ["POST", FORM, "%66orce=1"],
  ["POST", FORM, "force%00junk=1"],
  ["POST", FORM, "[force]=1"],
  ["POST", FORM, "force[]=1&b=2"],
  ["POST", FORM, `force[${"x".repeat(300)}]=1`],
  ["POST", FORM, "per.page=100"],
  ["PUT", FORM, "force=true"],
  ["PATCH", JSON_TYPE, '{"a": {"force": 1}, "force": true}'],
  ["POST", JSON_TYPE, '{"\\u0066orce": "true"}'],
  ["DELETE", MULTIPART, part("force")],
  ["POST", MULTIPART, part("per page")],
];

const PASSED: [string, HeaderField[], string, string[]][] = [
  ["POST", FORM, "forced=1&a=force&_method=DELETE", ["DELETE"]],
  ["POST", JSON_TYPE, '{"a": {"force": 1}, "b": "force"}', []],
  ["PUT", FORM, "_method=DELETE&b=1", []],
  ["POST", MULTIPART, part("title"), []],
  ["POST", FORM, `${"x".repeat(300)}=1`, []],
];

Deno.test("formMethodScanner() refuses a body field read as a judged query key", async () => {
  for (const [method, headers, body] of REFUSED) {
    assert.equal(await scan(method, headers, body), FieldNames.PROBLEM, `${method} ${body}`);
  }
  for (const [method, headers, body, methods] of PASSED) {
    assert.deepEqual(await scan(method, headers, body), methods, `${method} ${body}`);
  }
  // Without judged keys, only a POST is read (for `_method`).
  assert.equal(formMethodScanner("PUT", FORM), undefined);
});

Deno.test("formMethodScanner() reads a compressed body's fields for judged keys", async () => {
  const headers: HeaderField[] = [...FORM, ["Content-Encoding", "gzip"]];
  const scanner = formMethodScanner("POST", headers, {}, names)!;
  assert.deepEqual(scanner.push(zlib.gzipSync(encoder.encode("a=1&force=true"))), []);
  assert.equal(await scanner.end(), FieldNames.PROBLEM);
});

Deno.test("FieldNames.judgesCookie() finds a cookie PHP's $_REQUEST reads as a judged key", () => {
  for (const cookie of ["force=1", "a=1; force=1", "a=1;FORCE=1", " per.page=9", "%66orce=1"]) {
    assert.ok(names.judgesCookie(cookie), cookie);
  }
  for (const cookie of ["session=force", "forced=1", "a=1; b=2"]) {
    assert.ok(!names.judgesCookie(cookie), cookie);
  }
});
