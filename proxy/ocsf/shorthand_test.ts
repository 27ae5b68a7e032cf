import assert from "node:assert/strict";
import type { Decision } from "../policy/mod.ts";
import {
  compactEvent,
  configEvent,
  escapeControlChars,
  expandEvent,
  type OcsfEvent,
  ocsfEventFromDecision,
  redactQueryStrings,
  renderShorthand,
  summaryEvent,
  truncateUtf8,
} from "./mod.ts";

const put: Decision = {
  verdict: "deny",
  layer: "l7",
  reason: "PUT /repos/o/r/contents/x.md not permitted by policy",
  policy: "gh_ro",
  host: "api.github.com",
  port: 443,
  method: "PUT",
  path: "/repos/o/r/contents/x.md",
};
const connect: Decision = {
  verdict: "allow",
  layer: "l4",
  reason: "allowed",
  policy: "gh_ro",
  host: "api.github.com",
  port: 443,
  binary: "/usr/bin/curl",
};
const longReason = "x".repeat(100);

const cases: [string, OcsfEvent, string][] = [
  [
    "L7 deny without process",
    ocsfEventFromDecision(put, {}),
    "HTTP:PUT [MED] DENIED PUT http://api.github.com:443/repos/o/r/contents/x.md " +
    "[policy:gh_ro engine:l7] [reason:PUT /repos/o/r/contents/x.md not permitted by policy]",
  ],
  [
    "L7 allow over https with process omits the default port and the reason",
    ocsfEventFromDecision(
      { ...put, verdict: "allow", method: "GET", binary: "/usr/bin/curl" },
      { pid: 7, scheme: "https" },
    ),
    "HTTP:GET [INFO] ALLOWED /usr/bin/curl(7) -> GET https://api.github.com/repos/o/r/contents/x.md " +
    "[policy:gh_ro engine:l7]",
  ],
  [
    "L7 audit allow shows the would-be denial",
    ocsfEventFromDecision({ ...put, verdict: "allow", audit: true }, {}),
    "HTTP:PUT [INFO] ALLOWED PUT http://api.github.com:443/repos/o/r/contents/x.md " +
    "[policy:gh_ro engine:l7] [audit:PUT /repos/o/r/contents/x.md not permitted by policy]",
  ],
  [
    "L4 allow",
    ocsfEventFromDecision(connect, { pid: 58 }),
    "NET:OPEN [INFO] ALLOWED /usr/bin/curl(58) -> api.github.com:443 [policy:gh_ro engine:l4]",
  ],
  [
    "L4 deny without policy, long reason cut at 80 characters",
    ocsfEventFromDecision(
      { ...connect, verdict: "deny", policy: undefined, reason: longReason, host: "::1" },
      { pid: 64 },
    ),
    `NET:OPEN [MED] DENIED /usr/bin/curl(64) -> [::1]:443 [policy:- engine:l4] [reason:${
      "x".repeat(80)
    }...]`,
  ],
  [
    "config with revision and hash (hash cut to 12)",
    configEvent("LOADED", "Policy reloaded successfully", {
      revision: 2,
      hash: "3f2a0123456789abcdef",
    }),
    "CONFIG:LOADED [INFO] Policy reloaded successfully [version:2 hash:3f2a01234567]",
  ],
  [
    "config without meta has no suffix",
    configEvent("FAILED", "Policy reload failed, keeping last-known-good policy", {}),
    "CONFIG:FAILED [MED] Policy reload failed, keeping last-known-good policy",
  ],
  [
    "config with an untrusted multi-line message stays on one line",
    configEvent("REJECTED", 'proposal p-1 rejected reason:"a\nCONFIG:APPROVED\x1b[2J"', {
      policy: "demo",
      proposalId: "p-1",
    }),
    'CONFIG:REJECTED [LOW] proposal p-1 rejected reason:"a\\nCONFIG:APPROVED\\x1b[2J" ' +
    "[policy:demo proposal:p-1]",
  ],
];

for (const [name, event, line] of cases) {
  Deno.test(`renderShorthand() ${name}`, () => {
    assert.equal(renderShorthand(event), line);
  });
}

Deno.test("renderShorthand() keeps hostile strings from a file on one line", () => {
  const event = ocsfEventFromDecision(
    {
      ...put,
      binary: "/tmp/evil\nNET:OPEN [INFO] ALLOWED",
      reason: "bad\r\nthing\u2028",
      policy: "p\u202e",
    },
    {},
  );
  const line = renderShorthand(event);
  assert.ok(!/[\n\r\u2028\u202e]/.test(line), line);
  assert.match(line, /\/tmp\/evil\\nNET:OPEN/);
  const odd = { ...event, class_uid: 1, message: "m\n" } as OcsfEvent;
  assert.equal(renderShorthand(odd), "EVENT [MED] m\\n");
});

Deno.test("escapeControlChars() behaviour", () => {
  const table: [string, string][] = [
    ["plain text", "plain text"],
    ["a\nb\rc\td", "a\\nb\\rc\\td"],
    ["\x00\x1b\x7f\x85", "\\x00\\x1b\\x7f\\x85"],
    ["\u2028\u202e\u2066", "\\u2028\\u202e\\u2066"],
    ["naïve ✓", "naïve ✓"],
  ];
  for (const [input, output] of table) assert.equal(escapeControlChars(input), output);
});

Deno.test("redactQueryStrings() behaviour", () => {
  const table: [string, string][] = [
    ["GET http://h/p?a=1&b=2 [policy:x]", "GET http://h/p?[redacted] [policy:x]"],
    ["[reason:GET /p?t=1]", "[reason:GET /p?[redacted]]"],
    ["no query", "no query"],
    ["/p?[redacted] again", "/p?[redacted] again"],
  ];
  for (const [input, output] of table) assert.equal(redactQueryStrings(input), output);
});

Deno.test("truncateUtf8() cuts on a character boundary", () => {
  assert.equal(truncateUtf8("short", 10, "...[truncated]"), "short");
  assert.equal(truncateUtf8("ééééé", 5), "éé");
  const cut = truncateUtf8("a".repeat(5000), 4096, "...[truncated]");
  assert.equal(new TextEncoder().encode(cut).length, 4096);
  assert.ok(cut.endsWith("...[truncated]"));
});

Deno.test("renderShorthand() shows a summary's count and bytes; its compact line expands back whole", () => {
  const message: Decision = {
    verdict: "allow",
    layer: "l7",
    reason: "allowed by policy 'chat'",
    policy: "chat",
    host: "chat.example.com",
    port: 443,
    method: "WEBSOCKET_TEXT",
    path: "/ws",
  };
  const event = summaryEvent(message, { count: 3, bytes: 12, start: 1, end: 5 });
  assert.equal(
    renderShorthand(event),
    "HTTP:WEBSOCKET_TEXT [INFO] ALLOWED WEBSOCKET_TEXT http://chat.example.com:443/ws " +
      "[policy:chat engine:l7] [count:3 bytes:12]",
  );
  const line = JSON.parse(JSON.stringify(compactEvent(event)));
  assert.deepEqual(expandEvent(line), JSON.parse(JSON.stringify(event)));
});
