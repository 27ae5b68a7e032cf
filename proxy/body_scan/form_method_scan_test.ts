import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { type BodyScanner, formMethodScanner } from "./form_method_scan.ts";
import type { HeaderField } from "../wire/mod.ts";

const encoder = new TextEncoder();

/** Everything a scanner reports for `body`, cut into pieces at `cuts`. */
function scan(scanner: BodyScanner, body: string, cuts: number[] = []): string[] | string {
  const bytes = encoder.encode(body);
  const found: string[] = [];
  let from = 0;
  for (const to of [...cuts, bytes.byteLength]) {
    // A node Buffer (its `slice()` is a view), wiped once scanned as a forwarded piece is.
    const piece = Buffer.from(bytes.subarray(from, to));
    const result = scanner.push(piece);
    piece.fill(0);
    if (typeof result === "string") return result;
    found.push(...result);
    from = to;
  }
  const ended = scanner.end();
  assert(!(ended instanceof Promise), "an uncompressed body's end is read at once");
  return typeof ended === "string" ? ended : [...found, ...ended];
}

const FORM: HeaderField[] = [["Content-Type", "application/x-www-form-urlencoded"]];
const multipart = (boundary = "XyZ"): HeaderField[] => [[
  "Content-Type",
  `multipart/form-data; boundary=${boundary}`,
]];

const URLENCODED: [string, string[] | "problem"][] = [
  ["a=1&b=2", []],
  ["_method=DELETE", ["DELETE"]],
  ["a=1&_method=delete&b=2", ["delete"]],
  ["%5Fmethod=DELETE", ["DELETE"]],
  ["%5f%6d%65%74%68%6f%64=%44ELETE", ["DELETE"]],
  ["a=1;_method=PATCH", ["PATCH"]],
  ["a=1&   _method=PUT", ["PUT"]],
  ["+_method=PUT", ["PUT"]],
  [".method=PUT", ["PUT"]],
  ["[_method]]]]=PUT", ["PUT"]],
  ["_Method=PUT", ["PUT"]],
  ["_method%00ignored=PUT", ["PUT"]],
  // Express's qs reads these as an array; method-override takes its first element.
  ["_method[]=PUT", ["PUT"]],
  ["_method%5B%5D=PUT", ["PUT"]],
  ["_method[0]=PUT&_method[20]=GET", ["PUT", "GET"]],
  ["[_method][]=PUT", ["PUT"]],
  ["_method[a]=PUT", []],
  ["_method[123]=PUT", []],
  [`_method${"[]".repeat(20)}=PUT`, []],
  ["x_method=PUT", []],
  ["_methods=PUT", []],
  ["_method", []],
  ["a=_method%3DDELETE", []],
  ["_method=DELETE&_method=PUT", ["DELETE", "PUT"]],
  ["_method=", "problem"],
  ["_method=GET%20DELETE", "problem"],
  [`_method=${"A".repeat(65)}`, "problem"],
];

Deno.test("formMethodScanner() reads urlencoded _method fields as Rack and PHP do, split anywhere", () => {
  for (const [body, expected] of URLENCODED) {
    for (let cut = 0; cut <= body.length; cut++) {
      const result = scan(formMethodScanner("POST", FORM)!, body, [cut]);
      if (expected === "problem") assert.equal(typeof result, "string", `${body} cut at ${cut}`);
      else assert.deepEqual(result, expected, `${body} cut at ${cut}`);
    }
    // Byte by byte.
    const cuts = [...Array(body.length).keys()];
    const result = scan(formMethodScanner("POST", FORM)!, body, cuts);
    if (expected !== "problem") assert.deepEqual(result, expected, `${body} byte by byte`);
  }
});

const part = (head: string, value: string, boundary = "XyZ") =>
  `--${boundary}\r\n${head}\r\n\r\n${value}\r\n`;

const MULTIPART: [string, string[] | "problem"][] = [
  [part('Content-Disposition: form-data; name="a"', "x") + "--XyZ--\r\n", []],
  [part('Content-Disposition: form-data; name="_method"', "DELETE") + "--XyZ--\r\n", ["DELETE"]],
  [part("content-disposition: form-data; NAME=_method", "patch") + "--XyZ--", ["patch"]],
  [part('Content-Disposition: form-data; name="a"; name="_method"', "PUT") + "--XyZ--", ["PUT"]],
  [part("Content-Disposition: form-data; name='_method'", "PUT") + "--XyZ--", ["PUT"]],
  [part('Content-Disposition: form-data; name="\\_method"', "PUT") + "--XyZ--", ["PUT"]],
  [part("Content-ID: _method", "PUT") + "--XyZ--", ["PUT"]],
  [part('Content-Disposition: form-data; name="_method[]"', "PUT") + "--XyZ--", ["PUT"]],
  [part('Content-Disposition: form-data; filename="_method"', "PUT") + "--XyZ--", []],
  ["preamble\r\n" + part('Content-Disposition: form-data; name="_method"', "PUT"), ["PUT"]],
  ["--XyZ--\r\nepilogue\nwith bare LF\n", []],
  [part('Content-Disposition: form-data; name="_method"', "GET DELETE") + "--XyZ--", "problem"],
  ['--XyZ\r\nContent-Disposition: form-data;\n name="_method"\r\n\r\nPUT\r\n--XyZ--', "problem"],
  ["--XyZ\r\nContent-Disposition: form-data; --XyZ\r\n\r\n", "problem"],
  [part(`X-Long: ${"a".repeat(9000)}`, "x"), "problem"],
];

Deno.test("formMethodScanner() reads multipart _method parts, split anywhere", () => {
  for (const [body, expected] of MULTIPART) {
    for (let cut = 0; cut <= body.length; cut += body.length > 500 ? 97 : 1) {
      const result = scan(formMethodScanner("POST", multipart())!, body, [cut]);
      if (expected === "problem") assert.equal(typeof result, "string", `${body} cut at ${cut}`);
      else assert.deepEqual(result, expected, `${body} cut at ${cut}`);
    }
  }
});

Deno.test("formMethodScanner() scans only what a parser reads as a form: POST, form or multipart", () => {
  assert.equal(formMethodScanner("PUT", FORM), undefined);
  assert.equal(formMethodScanner("POST", [["Content-Type", "text/plain"]]), undefined);
  assert.ok(formMethodScanner("post", FORM));
  assert.ok(formMethodScanner("POST", [])); // Rack reads a POST without a type as a form
  assert.ok(
    formMethodScanner("POST", [[
      "Content-Type",
      "APPLICATION/X-WWW-FORM-URLENCODED; charset=utf-8",
    ]]),
  );
  // Rack reads `abc` from a quoted boundary with a `;` inside, PHP `abc;d`: both are searched.
  const quoted = formMethodScanner("POST", [[
    "Content-Type",
    'multipart/form-data; boundary="abc;d"',
  ]])!;
  const body = part('Content-Disposition: form-data; name="_method"', "DELETE", "abc") + "--abc--";
  assert.deepEqual(scan(quoted, body), ["DELETE"]);
  const long = formMethodScanner("POST", multipart("b".repeat(201)))!;
  assert.equal(typeof long.push(new Uint8Array(1)), "string");
});

Deno.test("formMethodScanner() passes a large multipart upload with no _method part", () => {
  const scanner = formMethodScanner("POST", multipart())!;
  const head = encoder.encode(
    part('Content-Disposition: form-data; name="f"; filename="a.bin"', ""),
  );
  assert.deepEqual(scanner.push(head), []);
  const chunk = new Uint8Array(64 * 1024);
  for (let i = 0; i < chunk.length; i++) chunk[i] = (i * 131) & 0xff; // dashes included
  for (let i = 0; i < 64; i++) assert.deepEqual(scanner.push(chunk), []);
  assert.deepEqual(scanner.push(encoder.encode("\r\n--XyZ--\r\n")), []);
  assert.deepEqual(scanner.end(), []);
});

const JSON_CASES: [string, string[] | "problem"][] = [
  ['{"a": 1, "_method": "DELETE"}', ["DELETE"]],
  ['{"\\u005fmethod":"patch"}', ["patch"]],
  ['{ "x": "_method", "y": {"_method": "PUT"}, "z": ["_method", "PUT"] }', []],
  ['{"_method": 5, "b": "_method"}', []],
  ['{"_method": {"x": "DELETE"}}', []],
  ['["_method", "DELETE"]', []],
  ['{"a": "q\\"_method\\": \\"DELETE", "_methods": "PUT"}', []],
  ['{"_method": "DELETE", "_method": "PUT"}', ["DELETE", "PUT"]],
  ['{"_method": "GET DELETE"}', "problem"],
  // Express's method-override runs a POST as the first element of an array.
  ['{"_method": ["DELETE"], "a": ["PUT"]}', ["DELETE"]],
  ['{"_method": [1, "\\u0044ELETE", {"x": "PUT"}, ["PUT"]], "b": "PUT"}', ["DELETE"]],
  ['{"a": {"_method": ["PUT"]}, "_method": [] }', []],
  ['{"_method": ["GET DELETE"]}', "problem"],
];

Deno.test("formMethodScanner() reads a JSON body's top-level _method as Laravel does, split anywhere", () => {
  const json: HeaderField[] = [["Content-Type", "application/vnd.api+json"]];
  for (const [body, expected] of JSON_CASES) {
    for (let cut = 0; cut <= body.length; cut++) {
      const result = scan(formMethodScanner("POST", json)!, body, [cut]);
      if (expected === "problem") assert.equal(typeof result, "string", `${body} cut at ${cut}`);
      else assert.deepEqual(result, expected, `${body} cut at ${cut}`);
    }
  }
});

Deno.test("formMethodScanner() refuses a form or JSON body in a charset whose bytes are not ASCII's", () => {
  const typed = (type: string) => formMethodScanner("POST", [["Content-Type", type]])!;
  const refused = [
    "application/json; charset=utf-16le",
    'application/json;charset="UTF-16"',
    "application/vnd.api+json; charset=utf-7", // body-parser reads {"+AF8-method":...} as _method
    "application/x-www-form-urlencoded; charset=UTF-16BE",
    "application/x-www-form-urlencoded; charset=iso-2022-jp", // an escape may split the name
    "application/json; charset=utf-8; charset=utf-32",
    "application/json; charset=",
  ];
  for (const type of refused) {
    assert.match(String(scan(typed(type), "")), /is not read: send it as UTF-8/, type);
  }
  const read = [
    "application/json; charset=UTF-8",
    'application/json; charset="utf8"',
    "application/x-www-form-urlencoded; charset=ISO-8859-1",
    "application/x-www-form-urlencoded; charset=us-ascii",
    "application/x-www-form-urlencoded; charset=windows-1252",
  ];
  for (const type of read) {
    const body = type.includes("json") ? '{"_method": "PUT"}' : "_method=PUT";
    assert.deepEqual(scan(typed(type), body), ["PUT"], type);
  }
  // A multipart type's charset is not a part's: its parts are read as before.
  const parts = typed("multipart/form-data; boundary=b; charset=utf-16");
  const body = part('Content-Disposition: form-data; name="_method"', "PUT", "b") + "--b--";
  assert.deepEqual(scan(parts, body), ["PUT"]);
});

Deno.test("formMethodScanner() reads a body every way its type is read: a form or multipart type naming /json", () => {
  // Laravel reads a body as JSON when its Content-Type holds `/json` or `+json` anywhere; Rack
  // and PHP read the media type. Before, such a form or multipart body was read one way only.
  const typed = (type: string) => formMethodScanner("POST", [["Content-Type", type]])!;
  const form = "application/x-www-form-urlencoded; a=/json";
  assert.deepEqual(scan(typed(form), '{"_method": "DELETE"}'), ["DELETE"]);
  assert.deepEqual(scan(typed(form), "_method=DELETE"), ["DELETE"]);
  const body = part('Content-Disposition: form-data; name="_method"', "DELETE", "b") + "--b--";
  for (
    const type of [
      "multipart/form-data; boundary=b; a=/json",
      "multipart/form-data; x=a+json; boundary=b",
    ]
  ) {
    assert.deepEqual(scan(typed(type), body), ["DELETE"], type);
  }
});
