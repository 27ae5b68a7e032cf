/**
 * OpenShell `crates/openshell-supervisor-network/src/l7/rest.rs` (tests module, at 2f7fb655):
 * the HTTP/1.1 parsing and rewriting of a request inside an inspected tunnel, re-expressed as
 * raw requests a real Tollgate proxy gets inside `CONNECT api.github.com:443` (see
 * `openshell_cases_wire_test.ts`).
 *
 * @module
 */

/** One request as bytes, and what the proxy must do with it. */
export interface WireCase {
  /** The OpenShell file and test this case mirrors. */
  mirrors: string;
  /** The bytes after `GET ` (target, version, head), or a whole request starting `POST `. */
  request: string;
  /**
   * The status the client gets: 200 is the test upstream's answer (forwarded); 400 stands for
   * any refusal (4xx or 5xx) with nothing sent upstream, as OpenShell's tests pin only that.
   */
  status: number;
  /** The request-target the upstream saw (forwarded cases). */
  upstreamTarget?: string;
  /** Header names (lower case) the upstream must not see. */
  upstreamLacks?: string[];
  /** The README "OpenShell compatibility" entry when Tollgate answers otherwise on purpose. */
  differs?: string;
}

/** Inside the tunnel: any REST request allowed; a second name keeps `%2F`. */
export const WIRE_POLICY = `version: 1
network_policies:
  open:
    endpoints:
      - { host: api.github.com, port: 443, protocol: rest, rules: [{ allow: { method: "*", path: "/**" } }] }
      - { host: example.com, port: 443, protocol: rest, allow_encoded_slash: true, rules: [{ allow: { method: "*", path: "/**" } }] }
    binaries: [{ path: /usr/bin/curl }]
`;

const F = "rest.rs";
const H = "Host: api.github.com\r\n";
const ok = (mirrors: string, request: string, upstreamTarget?: string): WireCase => ({
  mirrors: `${F} ${mirrors}`,
  request,
  status: 200,
  ...(upstreamTarget ? { upstreamTarget } : {}),
});
const bad = (mirrors: string, request: string): WireCase => ({
  mirrors: `${F} ${mirrors}`,
  request,
  status: 400,
});
const post = (head: string, body = "") => `POST /api HTTP/1.1\r\n${H}${head}\r\n${body}`;

/** Every rest.rs parsing case that reaches the wire. */
export const WIRE: WireCase[] = [
  ok("parse_content_length", post("Content-Length: 3\r\n", "abc"), "/api"),
  ok(
    "buffered_request_parser_uses_shared_framing_and_query_parsing",
    `POST /v1/items?tag=first&tag=second HTTP/1.1\r\n${H}Content-Length: 3\r\n\r\nabc`,
    "/v1/items?tag=first&tag=second",
  ),
  ...[
    "X-Test: first\r\n continued\r\n",
    "X-Test value\r\n",
    "X-Test : value\r\n",
    "X@Test: value\r\n",
    "X-Test: before\0after\r\n",
    "X-Test: before\x7fafter\r\n",
    "X-Test: before\rafter\r\n",
    "Connection: x guard\r\n",
    "Connection: content-length\r\nContent-Length: 0\r\n",
  ].map((field, i) =>
    bad(
      `buffered_request_parser_rejects_malformed_header_fields (#${i + 1})`,
      `/v1/items HTTP/1.1\r\n${H}${field}\r\n`,
    )
  ),
  ...[
    `/v1/items HTTP/1.1 extra\r\n${H}\r\n`,
    ` /v1/items HTTP/1.1\r\n${H}\r\n`,
    `/v1/\0items HTTP/1.1\r\n${H}\r\n`,
    `/v1/items HTTP/2\r\n${H}\r\n`,
    `/v1/items\r\n${H}\r\n`,
  ].map((line, i) =>
    bad(`buffered_request_parser_rejects_malformed_request_lines (#${i + 1})`, line)
  ),
  ok("parse_chunked", post("Transfer-Encoding: chunked\r\n", "3\r\nabc\r\n0\r\n\r\n"), "/api"),
  ok("parse_no_body", `/api HTTP/1.1\r\n${H}\r\n`, "/api"),
  bad(
    "reject_dual_content_length_and_transfer_encoding",
    post("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n"),
  ),
  bad(
    "reject_dual_transfer_encoding_and_content_length",
    post("Transfer-Encoding: chunked\r\nContent-Length: 5\r\n"),
  ),
  bad(
    "reject_differing_duplicate_content_length",
    post("Content-Length: 0\r\nContent-Length: 50\r\n"),
  ),
  {
    ...bad(
      "accept_identical_duplicate_content_length",
      post("Content-Length: 2\r\nContent-Length: 2\r\n", "ab"),
    ),
    differs: "duplicate-content-length",
  },
  bad("reject_non_numeric_content_length", post("Content-Length: abc\r\n")),
  bad(
    "reject_valid_then_invalid_content_length",
    post("Content-Length: 2\r\nContent-Length: abc\r\n"),
  ),
  ...["gzip", "gzip, chunked", "chunked, gzip", "chunked, chunked", "chunkedx", "chunked,"].map((
    te,
  ) =>
    bad(
      `reject_unsupported_transfer_encoding_sequences (${te})`,
      post(`Transfer-Encoding: ${te}\r\n`),
    )
  ),
  bad(
    "reject_multiple_chunked_transfer_encoding_fields",
    post("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n"),
  ),
  bad(
    "reject_content_length_with_unsupported_transfer_encoding",
    post("Content-Length: 4\r\nTransfer-Encoding: gzip\r\n"),
  ),
  {
    ...ok(
      "strip_connection_nominated_headers_before_forwarding",
      `/api HTTP/1.1\r\n${H}X-Guard: hidden\r\nConnection: keep-alive, x-guard\r\nKeep-Alive: timeout=5\r\nX-Visible: yes\r\n\r\n`,
      "/api",
    ),
    upstreamLacks: ["x-guard", "keep-alive"],
  },
  bad("reject_bare_lf_in_headers", `/api HTTP/1.1\r\nX-Injected: value\nEvil: header\r\n${H}\r\n`),
  bad("reject_invalid_utf8_in_headers", `/api HTTP/1.1\r\n${H}X-Bad: \xc0\xaf\r\n\r\n`),
  ...[
    "X-Test: first\r\n continued\r\n",
    "X-Test: first\r\n\tcontinued\r\n",
    "X-Test value\r\n",
    "X-Test : value\r\n",
    "X@Test: value\r\n",
  ]
    .map((field, i) =>
      bad(
        `reject_malformed_header_fields_before_forwarding (#${i + 1})`,
        `/api HTTP/1.1\r\n${field}${H}\r\n`,
      )
    ),
  bad("reject_invalid_http_version", `/api JUNK/9.9\r\n${H}\r\n`),
  ok(
    "parse_http_request_canonicalizes_target_and_rewrites_raw_header",
    `/public/../secret HTTP/1.1\r\n${H}\r\n`,
    "/secret",
  ),
  bad(
    "parse_http_request_rejects_absolute_authority_mismatched_with_host",
    `http://attacker.example.test/v1 HTTP/1.1\r\n${H}\r\n`,
  ),
  ok(
    "parse_http_request_keeps_embedded_url_in_origin_form_path",
    `/fetch/http://example.test?next=http://other.test HTTP/1.1\r\n${H}\r\n`,
    "/fetch/http:/example.test?next=http://other.test",
  ),
  ok(
    "origin_form_targets_with_embedded_urls_use_host_authority",
    `/?next=http://example.test HTTP/1.1\r\n${H}\r\n`,
    "/?next=http://example.test",
  ),
  ok(
    "parse_http_request_canonicalization_preserves_query_string",
    `/public/../v1/list?limit=10&sort=asc HTTP/1.1\r\n${H}\r\n`,
    "/v1/list?limit=10&sort=asc",
  ),
  ok(
    "parse_http_request_leaves_canonical_input_byte_for_byte",
    `/api/v1/users HTTP/1.1\r\n${H}\r\n`,
    "/api/v1/users",
  ),
  bad("parse_http_request_rejects_traversal_above_root", `/.. HTTP/1.1\r\n${H}\r\n`),
  bad(
    "parse_http_request_rejects_encoded_slash_by_default",
    `/api/v4/projects/group%2Fproject HTTP/1.1\r\n${H}\r\n`,
  ),
  ok(
    "parse_http_request_preserves_http_10_version_on_rewrite",
    `/a/./b HTTP/1.0\r\n${H}\r\n`,
    "/a/b",
  ),
  ok(
    "parse_http_request_splits_path_and_query_params",
    `/download?slug=my%2Fskill&tag=foo&tag=bar HTTP/1.1\r\n${H}\r\n`,
    "/download?slug=my%2Fskill&tag=foo&tag=bar",
  ),
  {
    ...bad(
      "absolute_form_strips_authority (path.rs)",
      `https://api.github.com/a/../b HTTP/1.1\r\n${H}\r\n`,
    ),
    differs: "absolute-form-in-tunnel",
  },
];

/** The encoded-slash case, sent to the endpoint that keeps `%2F` (its own tunnel). */
export const WIRE_ENCODED_SLASH: WireCase = ok(
  "parse_http_request_accepts_encoded_slash_when_endpoint_opts_in",
  "/api/v4/projects/group%2Fproject HTTP/1.1\r\nHost: example.com\r\n\r\n",
  "/api/v4/projects/group%2Fproject",
);
