import assert from "node:assert/strict";
import { BODY_LINE_LIMIT, bodyLineVerdict, bodyNotAllowed } from "./body_not_allowed.ts";

const text = (s: string) => new TextEncoder().encode(s);

Deno.test("bodyLineVerdict() reads a body's first line as a lenient parser would", () => {
  const cases: [string, boolean, "request" | "data" | undefined][] = [
    ["GET /admin HTTP/1.1\r\n\r\n", true, "request"],
    ["get /admin http/1.1\r\n", true, "request"],
    ["\r\n\n\rGET /x HTTP/1.1\r\n", true, "request"],
    [" \t\v\fGET\t/x\r\n", true, "request"], // HTTP/0.9 after white space
    ["GET http://h/x\n", true, "request"],
    ["OPTIONS * HTTP/1.1\r\n", true, "request"],
    ["PURGE x HTTP/1.0\r\n", true, "request"],
    ["GET /x HTTP/1.1\rHost: h\r\r", true, "request"], // bare CR: still one line
    ["GET /x", true, "request"], // the whole body, no line end
    ["please remove it", true, "data"],
    ['{"message":"m","sha":"s"}', true, "data"],
    ['{"message":"GET / HTTP/1.1"}\n', true, "data"],
    ["message=m&sha=s", true, "data"],
    ["\r\n\r\n", true, "data"],
    ["", true, "data"],
    ["G", false, undefined],
    ["\r\n", false, undefined],
    ["GET /x HTTP/1.1", false, undefined], // its line may go on
    ["{}", false, undefined], // a caller with more to read reads on; the first LF decides
    ["{}\n", false, "data"],
  ];
  for (const [body, whole, expected] of cases) {
    assert.equal(bodyLineVerdict(text(body), whole), expected, JSON.stringify(body));
  }
});

Deno.test("bodyLineVerdict() judges at most BODY_LINE_LIMIT bytes, a cut line by its start", () => {
  const long = (start: string) => text(start + "a".repeat(BODY_LINE_LIMIT));
  assert.equal(bodyLineVerdict(long("GET /"), false), "request");
  assert.equal(bodyLineVerdict(long("DROP "), true), "request"); // its end unseen
  assert.equal(bodyLineVerdict(long("{"), false), "data");
  assert.equal(bodyLineVerdict(text("\r\n".repeat(BODY_LINE_LIMIT) + "{}"), true), "request");
  assert.equal(bodyLineVerdict(text(" ".repeat(BODY_LINE_LIMIT - 1)), true), "data");
});

Deno.test("bodyNotAllowed() refuses bodies on GET, HEAD, OPTIONS, TRACE, CONNECT, never on DELETE", () => {
  const sized = { kind: "length" as const, length: 2 };
  for (const method of ["GET", "head", "OPTIONS", "TRACE", "CONNECT"]) {
    assert.match(bodyNotAllowed({ method, framing: sized }) ?? "", /must not carry a body/);
  }
  assert.equal(bodyNotAllowed({ method: "DELETE", framing: { kind: "chunked" } }), undefined);
  assert.equal(bodyNotAllowed({ method: "GET", framing: { kind: "none" } }), undefined);
});
