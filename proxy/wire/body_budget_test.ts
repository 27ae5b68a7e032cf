import assert from "node:assert/strict";
import { BodyBudget, BodyBudgetSpentError } from "./body_budget.ts";

Deno.test("BodyBudget serves waiters first come, first served: a large body is not starved", async () => {
  const budget = new BodyBudget({ limitBytes: 100, waitMs: 60_000 });
  const first = budget.lease();
  assert.ok(first.tryGrow(90));
  const large = budget.lease();
  const order: string[] = [];
  const waitingLarge = large.grow(50).then(() => order.push("large"));
  // Room for a small one now, but the large one asked first.
  const small = budget.lease();
  assert.equal(small.tryGrow(5), false);
  const waitingSmall = small.grow(5).then(() => order.push("small"));
  assert.equal(budget.waiting, 2);
  first.release();
  await Promise.all([waitingLarge, waitingSmall]);
  assert.deepEqual(order, ["large", "small"]);
  assert.equal(budget.held, 55);
  large.release();
  small.release();
  assert.equal(budget.held, 0);
});

Deno.test("BodyLease released while it waits leaves the queue, holds nothing and grows no more", async () => {
  const budget = new BodyBudget({ limitBytes: 10, waitMs: 60_000 });
  const holder = budget.lease();
  await holder.grow(10);
  const gone = budget.lease();
  const waiting = gone.grow(5);
  gone.release(); // its client reset while it waited
  await assert.rejects(waiting, BodyBudgetSpentError);
  assert.equal(budget.waiting, 0);
  assert.equal(gone.tryGrow(1), false);
  await assert.rejects(gone.grow(1), BodyBudgetSpentError);
  holder.release();
  holder.release(); // twice is harmless
  assert.equal(budget.held, 0);
});

Deno.test("BodyBudget refuses at once what can never fit, and a body of the whole budget fits alone", async () => {
  const budget = new BodyBudget({ limitBytes: 16, waitMs: 60_000 });
  await assert.rejects(budget.lease().grow(17), BodyBudgetSpentError);
  const whole = budget.lease();
  await whole.grow(16);
  whole.release();
  assert.equal(budget.held, 0);
  assert.throws(() => new BodyBudget({ limitBytes: 0 }), RangeError);
});

Deno.test("BodyBudget answers a wait past its deadline, then serves the next waiter", async () => {
  const budget = new BodyBudget({ limitBytes: 10, waitMs: 20 });
  const holder = budget.lease();
  await holder.grow(8);
  const late = budget.lease();
  await assert.rejects(late.grow(5), BodyBudgetSpentError);
  assert.equal(budget.waiting, 0);
  assert.equal(budget.held, 8);
  holder.release();
});
