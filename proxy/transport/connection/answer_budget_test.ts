import assert from "node:assert/strict";
import { ANSWER_STREAM_HOLD, AnswerBudget, SESSION_ANSWER_SHARE } from "./answer_budget.ts";

const PER_SESSION = Math.floor(SESSION_ANSWER_SHARE / ANSWER_STREAM_HOLD);

Deno.test("answer budget: a session past its share waits for one of its own answers to end", async () => {
  const budget = new AnswerBudget({ limitBytes: 1024 * 1024 * 1024, waitMs: 10 });
  const share = budget.share();
  const releases = [];
  for (let i = 0; i < PER_SESSION; i++) releases.push(await share.reserve());
  assert.equal(share.held, PER_SESSION * ANSWER_STREAM_HOLD);
  let admitted = false;
  const next = share.reserve().then((release) => (admitted = true, release));
  await new Promise((resolve) => setTimeout(resolve, 30)); // past the budget's wait: still waits
  assert.equal(admitted, false);
  releases[3]!();
  const release = await next;
  assert.ok(release !== undefined);
  assert.equal(share.held, PER_SESSION * ANSWER_STREAM_HOLD);
  for (const give of [...releases, release]) give?.();
  assert.equal(budget.held, 0);
});

Deno.test("answer budget: a stream that closes while it waits for its session's share stops waiting", async () => {
  const budget = new AnswerBudget();
  const share = budget.share();
  const releases = [];
  for (let i = 0; i < PER_SESSION; i++) releases.push(await share.reserve());
  const closed = Promise.withResolvers<void>();
  const waiting = share.reserve(closed.promise);
  closed.resolve();
  assert.equal(await waiting, undefined);
  for (const give of releases) give?.();
  assert.equal(budget.held, 0);
});

Deno.test("answer budget: past the proxy-wide budget a stream is refused, but a session's first stream never is", async () => {
  const budget = new AnswerBudget({ limitBytes: 2 * ANSWER_STREAM_HOLD, waitMs: 10 });
  const greedy = budget.share();
  const held = [await greedy.reserve(), await greedy.reserve(), await greedy.reserve()];
  assert.ok(held.every((release) => release !== undefined));
  assert.equal(await greedy.reserve(), undefined); // the budget is spent: refused after 10 ms
  assert.equal(budget.waiting, 0);
  const other = budget.share();
  const first = await other.reserve(); // admitted beyond the budget
  assert.ok(first !== undefined);
  assert.equal(await other.reserve(), undefined);
  assert.equal(budget.held, 4 * ANSWER_STREAM_HOLD);
  held[1]!(); // room again: the other session's second stream gets it
  const second = await other.reserve();
  assert.ok(second !== undefined);
  for (const give of [...held, first, second]) give?.();
  assert.equal(budget.held, 0);
});
