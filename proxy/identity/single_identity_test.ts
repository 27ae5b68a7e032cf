import assert from "node:assert/strict";
import { secondLooks, singleIdentity, withoutReleased } from "./_single_identity.ts";

const PY = "/usr/bin/python3.12";
const CURL = "/usr/bin/curl";
const BASH = "/usr/bin/bash";

Deno.test("singleIdentity() serves one holder, and a process with the children it forked", () => {
  assert.deepEqual(singleIdentity(7, [{ pid: 10, chain: [CURL, BASH] }]), {
    exe: CURL,
    ancestors: [BASH],
    pid: 10,
  });
  // A fork without exec: the child's chain adds its parent, whose executable it shares.
  const forked = singleIdentity(7, [
    { pid: 11, chain: [PY, PY, BASH] },
    { pid: 10, chain: [PY, BASH] },
  ]);
  assert.deepEqual(forked, { exe: PY, ancestors: [PY, BASH], pid: 11 });
});

Deno.test("singleIdentity() refuses holders that are not the same requester", () => {
  const cases: [string, { pid: number; chain: string[] }[], RegExp][] = [
    ["python handed its socket to curl", [{ pid: 11, chain: [CURL, PY, BASH] }, {
      pid: 10,
      chain: [PY, BASH],
    }], /\(\/usr\/bin\/curl, \/usr\/bin\/python3\.12\)/],
    ["same executable, other ancestry", [{ pid: 11, chain: [PY, "/usr/bin/git"] }, {
      pid: 10,
      chain: [PY, BASH],
    }], /\(\/usr\/bin\/python3\.12 with different ancestors\)/],
    ["a live holder whose executable is unreadable", [{ pid: 11, chain: [] }, {
      pid: 10,
      chain: [PY, BASH],
    }], /\(unreadable\)/],
  ];
  for (const [name, holders, detail] of cases) {
    const result = singleIdentity(7, holders);
    assert.ok(result instanceof Error, name);
    assert.match(result.message, /^ambiguous_identity: socket inode 7 is shared by 2 processes/);
    assert.match(result.message, detail, name);
  }
});

Deno.test("singleIdentity() names what it cannot find or read", () => {
  assert.match(String(singleIdentity(7, [])), /no process owns socket inode 7/);
  assert.match(String(singleIdentity(7, [{ pid: 3, chain: [] }])), /executable of pid 3/);
});

Deno.test("withoutReleased() drops a started program that let the socket go, never the one that speaks", () => {
  const bash = { pid: 10, chain: [BASH] };
  const started = { pid: 11, chain: ["/usr/bin/sleep", BASH] };
  // The child closed its copy at exec: bash alone holds the socket.
  assert.deepEqual(withoutReleased([started, bash], new Set([10])), [bash]);
  // Still held by the child: both count (ambiguous_identity, as before).
  assert.deepEqual(withoutReleased([started, bash], new Set([10, 11])), [started, bash]);
  // Python handed its socket to curl and closed its copy: curl's chain does not cover
  // python's, so python still counts and the socket stays ambiguous.
  const python = { pid: 10, chain: [PY, BASH] };
  const curl = { pid: 11, chain: [CURL, PY, BASH] };
  assert.deepEqual(withoutReleased([curl, python], new Set([11])), [curl, python]);
  assert.ok(singleIdentity(7, withoutReleased([curl, python], new Set([11]))) instanceof Error);
  // A child that exited (a zombie: its executable cannot be read) and holds nothing now.
  assert.deepEqual(withoutReleased([{ pid: 11, chain: [] }, bash], new Set([10])), [bash]);
  // A holder whose chain could not be read covers nothing.
  assert.deepEqual(withoutReleased([started, { pid: 10, chain: [] }], new Set([10])), [
    started,
    { pid: 10, chain: [] },
  ]);
});

Deno.test("secondLooks() reads again only holders that could be dropped, and a few at most", () => {
  const bash = { pid: 10, chain: [BASH] };
  const started = { pid: 11, chain: ["/usr/bin/sleep", BASH] };
  assert.deepEqual(secondLooks([started, bash]), [11]);
  // curl covers python's chain (python started it); python covers nothing.
  assert.deepEqual(
    secondLooks([{ pid: 11, chain: [CURL, PY, BASH] }, { pid: 10, chain: [PY, BASH] }]),
    [11],
  );
  assert.deepEqual(secondLooks([{ pid: 11, chain: [] }, bash]), [11]);
  // Unrelated requesters: nothing to read again.
  assert.deepEqual(secondLooks([{ pid: 11, chain: [CURL] }, { pid: 10, chain: [PY] }]), []);
  // A socket forked to many programs: no second look at all.
  const many = Array.from({ length: 9 }, (_, i) => ({ pid: 20 + i, chain: [`/bin/p${i}`, BASH] }));
  assert.deepEqual(secondLooks([...many, bash]), []);
});
