import assert from "node:assert/strict";
import { answerDnsQuery } from "./_answer_dns_query.ts";
import { NamePool } from "./_name_pool.ts";

/** A query for `name` of `type` with id 0x1234 and RD set. */
function query(name: string, type: number): Uint8Array {
  const labels = name.split(".").flatMap((l) => [l.length, ...new TextEncoder().encode(l)]);
  return new Uint8Array([
    0x12,
    0x34,
    0x01,
    0x00,
    0,
    1,
    0,
    0,
    0,
    0,
    0,
    0,
    ...labels,
    0,
    0,
    type,
    0,
    1,
  ]);
}

Deno.test("answerDnsQuery() gives each name its own synthetic A record, and AAAA nothing", () => {
  const pool = new NamePool();
  const a = answerDnsQuery(query("api.github.com", 1), pool)!;
  assert.deepEqual([...a.subarray(0, 4)], [0x12, 0x34, 0x85, 0x80]); // id, QR AA RD, RA NOERROR
  assert.deepEqual([...a.subarray(6, 8)], [0, 1]);
  assert.deepEqual([...a.subarray(-4)], [198, 18, 0, 1]);
  const again = answerDnsQuery(query("API.GitHub.com", 1), pool)!;
  assert.deepEqual([...again.subarray(-4)], [198, 18, 0, 1]);
  const other = answerDnsQuery(query("example.com", 1), pool)!;
  assert.deepEqual([...other.subarray(-4)], [198, 18, 0, 2]);
  assert.equal(pool.nameOf("198.18.0.2"), "example.com");
  assert.equal(pool.nameOf("198.18.0.3"), undefined);
  assert.equal(pool.nameOf("127.0.0.1"), undefined);
  const aaaa = answerDnsQuery(query("api.github.com", 28), pool)!;
  assert.deepEqual([...aaaa.subarray(2, 8)], [0x85, 0x80, 0, 1, 0, 0]); // NODATA
});

Deno.test("answerDnsQuery() refuses what is not one well-formed question", () => {
  const pool = new NamePool();
  assert.equal(answerDnsQuery(new Uint8Array(5), pool), undefined);
  const response = query("a.example", 1);
  response[2] = 0x81;
  assert.equal(answerDnsQuery(response, pool), undefined);
  const truncated = answerDnsQuery(query("a.example", 1).subarray(0, 15), pool)!;
  assert.equal(truncated[3]! & 0x0f, 1); // FORMERR
  const odd = answerDnsQuery(query("bad name!.example", 1), pool)!;
  assert.equal(odd[3]! & 0x0f, 5); // REFUSED: not a host name, never given an address
  assert.equal(pool.nameOf("198.18.0.1"), undefined);
});

Deno.test("answerDnsQuery() reads a name of at most 255 octets on the wire (RFC 1035)", () => {
  const pool = new NamePool();
  // 63 + 63 + 63 + 61 letters: 4 length octets + 250 + the zero octet = 255 octets.
  const longest = ["a".repeat(63), "b".repeat(63), "c".repeat(63), "d".repeat(61)].join(".");
  const ok = answerDnsQuery(query(longest, 1), pool)!;
  assert.notEqual(ok[3]! & 0x0f, 1);
  const over = answerDnsQuery(query(`x${longest}`, 1), pool)!;
  assert.equal(over[3]! & 0x0f, 1); // FORMERR
  // A datagram of one-byte labels: refused without reading them all.
  const labels = Array.from({ length: 20_000 }, () => "a").join(".");
  const flood = answerDnsQuery(query(labels, 1), pool)!;
  assert.equal(flood[3]! & 0x0f, 1);
  assert.equal(flood.length, 12); // the header alone: no question echoed
});
