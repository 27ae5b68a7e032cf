import assert from "node:assert/strict";
import { connectionCap, readDescriptorLimit } from "./connection_cap.ts";

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max open files            1024                 524288               files
Max locked memory         8388608              8388608              bytes
`;

Deno.test("readDescriptorLimit() reads the soft open-file limit", () => {
  assert.equal(readDescriptorLimit(LIMITS), 1024);
  assert.equal(readDescriptorLimit(LIMITS.replace("1024 ", "unlimited")), undefined);
  assert.equal(readDescriptorLimit("Max cpu time  unlimited  unlimited  seconds\n"), undefined);
  const own = readDescriptorLimit();
  assert.ok(own === undefined || own > 0);
});

Deno.test("connectionCap() leaves two descriptors per connection and a reserve", () => {
  const cases: [number, number | undefined, number][] = [
    [512, undefined, 512], // unknown limit: the configured cap
    [512, 1024, 456], // (1024 - 48 - 64) / 2
    [512, 65536, 512], // a high limit does not raise the configured cap
    [100, 1024, 100],
    [512, 128, 36], // (128 - 48 - 8) / 2
    [512, 64, 6], // (64 - 48 - 4) / 2
    [512, 16, 1], // never below one
  ];
  for (const [max, limit, expected] of cases) {
    assert.equal(connectionCap(max, limit), expected, `${max}, ${limit}`);
    if (limit !== undefined && expected > 1) {
      const reserve = 48 + Math.floor(limit / 16);
      assert.ok(2 * expected + reserve <= limit, `${max}, ${limit} fits`);
    }
  }
});
