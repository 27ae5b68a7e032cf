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
