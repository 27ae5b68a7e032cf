import assert from "node:assert/strict";
import { join } from "node:path";
import { rootCertificates } from "node:tls";
import { writeCaBundle } from "./ca_bundle.ts";

Deno.test("writeCaBundle() writes system roots then the Tollgate CA, atomically", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const system = join(dir, "system.pem");
    await Deno.writeTextFile(
      system,
      "-----BEGIN CERTIFICATE-----\nSYSTEM\n-----END CERTIFICATE-----\n",
    );
    const ca = "-----BEGIN CERTIFICATE-----\nTOLLGATE\n-----END CERTIFICATE-----\n";
    const path = await writeCaBundle(join(dir, "public"), ca, { systemBundlePath: system });
    assert.equal(path, join(dir, "public", "ca-bundle.pem"));
    const text = await Deno.readTextFile(path);
    assert.ok(text.indexOf("SYSTEM") < text.indexOf("TOLLGATE"));
    assert.ok(text.endsWith(ca));
    assert.equal((await Deno.stat(path)).mode! & 0o777, 0o644);
    // Rewriting replaces the file and leaves no temporary file behind.
    await writeCaBundle(join(dir, "public"), ca, { systemBundlePath: system });
    const names = [];
    for await (const entry of Deno.readDir(join(dir, "public"))) names.push(entry.name);
    assert.deepEqual(names, ["ca-bundle.pem"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("writeCaBundle() falls back to Node's built-in roots without a system bundle", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const ca = "-----BEGIN CERTIFICATE-----\nTOLLGATE\n-----END CERTIFICATE-----\n";
    const path = await writeCaBundle(dir, ca, { systemBundlePath: join(dir, "missing.pem") });
    const text = await Deno.readTextFile(path);
    assert.ok(text.startsWith(rootCertificates[0]!));
    assert.ok(text.endsWith(ca));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
