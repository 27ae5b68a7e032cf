import assert from "node:assert/strict";
import { CertificateAuthority } from "./certificate_authority.ts";
import { DenialContexts } from "./denial_contexts.ts";

Deno.test("DenialContexts.close() waits for the mints under way and mints no more", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tollgate-denial-contexts-" });
  try {
    const ca = await CertificateAuthority.loadOrCreate(dir);
    const contexts = new DenialContexts(ca);
    let ended = 0;
    for (const host of ["a.example", "b.example", "c.example"]) {
      contexts.contextFor(host)!.then(() => ended++);
    }
    await contexts.close();
    // Each mint's own continuation ran before close() resolved.
    assert.equal(ended, 3);
    assert.equal(contexts.contextFor("d.example"), undefined, "a closed cache mints no more");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
