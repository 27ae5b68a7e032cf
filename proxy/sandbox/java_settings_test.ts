import assert from "node:assert/strict";
import { join } from "node:path";
import { rootCertificates } from "node:tls";
import { javaTrustStore, pemCertificates } from "../tls/mod.ts";
import { writeJavaTrustStore } from "./java_settings.ts";

const KEYTOOL = await Deno.stat("/usr/bin/keytool").then(() => true, () => false);

Deno.test("pemCertificates() reads every CERTIFICATE block and nothing else", () => {
  const pem = `# a comment\n${rootCertificates[0]}\ntext\n${rootCertificates[1]}\n`;
  assert.equal(pemCertificates(pem).length, 2);
  assert.equal(pemCertificates(pem)[0]![0], 0x30);
});

Deno.test("javaTrustStore() refuses a PEM text without a certificate", () => {
  assert.throws(() => javaTrustStore("no certificate"), TypeError);
});

Deno.test({
  name: "writeJavaTrustStore(): the JDK's keytool lists every certificate as a trusted entry",
  ignore: !KEYTOOL,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    try {
      const bundle = join(dir, "bundle.pem");
      await Deno.writeTextFile(bundle, rootCertificates.join("\n"));
      const path = await writeJavaTrustStore(dir, bundle);
      assert.equal(path, join(dir, "ca-bundle.p12"));
      const out = await new Deno.Command("keytool", {
        // No password: the store has no MAC, and keytool reads it as the JDK's TLS does.
        args: ["-list", "-keystore", path, "-storetype", "PKCS12"],
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).output();
      const text = new TextDecoder().decode(out.stdout);
      assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
      assert.equal(text.match(/trustedCertEntry/g)?.length, rootCertificates.length, text);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("writeJavaTrustStore(): a kept store serves the same bundle, another bundle replaces it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const [cache, first, second] = ["cache", "first", "second"].map((name) => join(dir, name));
    for (const folder of [cache!, first!, second!]) await Deno.mkdir(folder);
    const bundle = join(dir, "bundle.pem");
    await Deno.writeTextFile(bundle, rootCertificates.slice(0, 3).join("\n"));
    const built = await Deno.readFile(await writeJavaTrustStore(first!, bundle, cache));
    const kept = (await Array.fromAsync(Deno.readDir(cache!))).map((entry) => entry.name);
    assert.equal(kept.length, 1);
    // The kept store is what the next start gets: prove it is read, not built again.
    await Deno.writeFile(join(cache!, kept[0]!), new Uint8Array([1, 2, 3]));
    assert.deepEqual(
      await Deno.readFile(await writeJavaTrustStore(second!, bundle, cache)),
      new Uint8Array([1, 2, 3]),
    );
    assert.deepEqual(built, javaTrustStore(await Deno.readTextFile(bundle)));
    // Another bundle (the system roots updated): its own store, the old one gone.
    await Deno.writeTextFile(bundle, rootCertificates.slice(0, 2).join("\n"));
    const other = await Deno.readFile(await writeJavaTrustStore(second!, bundle, cache));
    assert.deepEqual(other, javaTrustStore(await Deno.readTextFile(bundle)));
    const now = (await Array.fromAsync(Deno.readDir(cache!))).map((entry) => entry.name);
    assert.equal(now.length, 1);
    assert.notEqual(now[0], kept[0]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
