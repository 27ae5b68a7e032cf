import assert from "node:assert/strict";
import { join } from "node:path";
import * as net from "node:net";
import * as tls from "node:tls";
import { CertificateAuthority } from "./mod.ts";

async function openssl(args: string[], cwd: string): Promise<{ ok: boolean; text: string }> {
  const out = await new Deno.Command("openssl", { args, cwd, stdout: "piped", stderr: "piped" })
    .output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return { ok: out.success, text: decode(out.stdout) + decode(out.stderr) };
}

Deno.test("CertificateAuthority.loadOrCreate() creates the CA once with a private key file", async () => {
  const state = await Deno.makeTempDir();
  try {
    const first = await CertificateAuthority.loadOrCreate(state);
    assert.equal(first.certPath, join(state, "ca", "ca.pem"));
    assert.equal((await Deno.stat(join(state, "ca", "ca.key"))).mode! & 0o777, 0o600);
    assert.equal((await Deno.stat(join(state, "ca"))).mode! & 0o777, 0o700);
    const second = await CertificateAuthority.loadOrCreate(state);
    assert.equal(second.certPem, first.certPem);
    assert.ok(first.certPem.endsWith("-----END CERTIFICATE-----\n"));
    const text = (await openssl(["x509", "-in", first.certPath, "-noout", "-text"], state)).text;
    assert.match(text, /CA:TRUE, pathlen:0/);
    assert.match(text, /Certificate Sign, CRL Sign/);
    assert.match(text, /prime256v1|P-256/);
  } finally {
    await Deno.remove(state, { recursive: true });
  }
});

Deno.test("CertificateAuthority.mintLeaf() issues leaves that openssl verifies for DNS and IP", async () => {
  const state = await Deno.makeTempDir();
  try {
    const ca = await CertificateAuthority.loadOrCreate(state);
    for (
      const [host, flag] of [
        ["api.github.com", "-verify_hostname"],
        ["10.1.2.3", "-verify_ip"],
        ["2001:db8::7", "-verify_ip"],
        ["::ffff:10.1.2.3", "-verify_ip"],
      ]
    ) {
      const leaf = await ca.mintLeaf(host!);
      const leafOnly = leaf.chainPem.slice(
        0,
        leaf.chainPem.indexOf("-----END CERTIFICATE-----") + 26,
      );
      await Deno.writeTextFile(join(state, "leaf.pem"), leafOnly);
      const result = await openssl(
        ["verify", "-CAfile", ca.certPath, "-purpose", "sslserver", flag!, host!, "leaf.pem"],
        state,
      );
      assert.ok(result.ok, result.text);
    }
  } finally {
    await Deno.remove(state, { recursive: true });
  }
});

Deno.test("CertificateAuthority.secureContextFor() caches per host and serves a TLS handshake", async () => {
  const state = await Deno.makeTempDir();
  const ca = await CertificateAuthority.loadOrCreate(state);
  const a = ca.secureContextFor("example.test");
  assert.equal(ca.secureContextFor("example.test"), a);
  assert.notEqual(ca.secureContextFor("other.test"), a);
  const context = await a;
  await ca.secureContextFor("other.test");
  // The way the proxy serves it: a TLSSocket over an accepted plain socket.
  const server = net.createServer((raw) => {
    const socket = new tls.TLSSocket(raw, { isServer: true, secureContext: context });
    socket.on("secure", () => socket.end("hello"));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  try {
    const received = await new Promise<string>((resolve, reject) => {
      const socket = tls.connect({
        host: "127.0.0.1",
        port,
        servername: "example.test",
        ca: ca.certPem,
      });
      let text = "";
      socket.on("data", (chunk) => (text += chunk));
      socket.on("error", reject);
      socket.on("close", () => resolve(text));
    });
    assert.equal(received, "hello");
  } finally {
    await new Promise((resolve) => server.close(resolve));
    await Deno.remove(state, { recursive: true });
  }
});

Deno.test("CertificateAuthority.secureContextFor() keeps at most maxCachedContexts hosts, least recently used out", async () => {
  const state = await Deno.makeTempDir();
  try {
    const ca = await CertificateAuthority.loadOrCreate(state, { maxCachedContexts: 3 });
    const first = ca.secureContextFor("a.test");
    await ca.secureContextFor("b.test");
    await ca.secureContextFor("c.test");
    assert.equal(ca.secureContextFor("a.test"), first, "a hit moves a.test to the back");
    await ca.secureContextFor("d.test");
    assert.equal(ca.cachedContexts, 3);
    assert.equal(ca.secureContextFor("a.test"), first, "b.test was the least recently used");
    await first;
  } finally {
    await Deno.remove(state, { recursive: true });
  }
});

Deno.test("CertificateAuthority never loads @peculiar/x509, to make its CA or to mint a leaf", async () => {
  // The certificates are built in-house (12 MB less resident memory than the library).
  const state = await Deno.makeTempDir();
  try {
    // A child whose import map turns @peculiar/x509 into a module that throws when loaded.
    const modUrl = new URL("./mod.ts", import.meta.url).href;
    await Deno.writeTextFile(join(state, "x509.ts"), 'throw new Error("x509 loaded");\n');
    await Deno.writeTextFile(
      join(state, "map.json"),
      JSON.stringify({ imports: { "@peculiar/x509": "./x509.ts" } }),
    );
    const script = [
      `const { CertificateAuthority } = await import(${JSON.stringify(modUrl)});`,
      `const ca = await CertificateAuthority.loadOrCreate(${JSON.stringify(state)});`,
      "console.log(ca.certPem.length > 0 ? 'loaded' : 'empty');",
      "console.log(await ca.mintLeaf('a.example').then(() => 'minted', (e) => e.message));",
    ].join("\n");
    await Deno.writeTextFile(join(state, "child.ts"), script);
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--quiet", "--no-config", "--import-map=map.json", "child.ts"],
      cwd: state,
      stdout: "piped",
      stderr: "piped",
      env: { RUST_BACKTRACE: "0", NO_COLOR: "1" },
    }).output();
    const text = new TextDecoder().decode(out.stdout);
    assert.equal(text, "loaded\nminted\n", new TextDecoder().decode(out.stderr));
  } finally {
    await Deno.remove(state, { recursive: true });
  }
});

Deno.test("CertificateAuthority.mintLeaf() chains to a CA that openssl made (its key identifier kept)", async () => {
  // CA files made elsewhere (or by an earlier Tollgate) keep working: the leaves name the
  // CA's own subject and subjectKeyIdentifier, whatever method computed it.
  const state = await Deno.makeTempDir();
  try {
    const dir = join(state, "ca");
    await Deno.mkdir(dir);
    const made = await openssl([
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-nodes",
      "-keyout",
      "ca/ca.key",
      "-out",
      "ca/ca.pem",
      "-days",
      "30",
      "-subj",
      "/CN=Other CA/O=Elsewhere",
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign",
      "-addext",
      "subjectKeyIdentifier=0102030405",
      "-addext",
      "authorityKeyIdentifier=keyid:always",
    ], state);
    assert.ok(made.ok, made.text);
    const ca = await CertificateAuthority.loadOrCreate(state);
    const leaf = await ca.mintLeaf("b.example");
    await Deno.writeTextFile(
      join(state, "leaf.pem"),
      leaf.chainPem.split(/(?<=-----END CERTIFICATE-----)/)[0]!,
    );
    const text = (await openssl(["x509", "-in", "leaf.pem", "-noout", "-text"], state)).text;
    assert.match(text, /Issuer: CN\s*=\s*Other CA, O\s*=\s*Elsewhere/);
    assert.match(text, /Authority Key Identifier:\s+(keyid:)?01:02:03:04:05/);
    const result = await openssl(
      [
        "verify",
        "-CAfile",
        "ca/ca.pem",
        "-purpose",
        "sslserver",
        "-verify_hostname",
        "b.example",
        "leaf.pem",
      ],
      state,
    );
    assert.ok(result.ok, result.text);
  } finally {
    await Deno.remove(state, { recursive: true });
  }
});

Deno.test("CertificateAuthority.loadOrCreate() refuses a damaged certificate and writes a key openssl reads", async () => {
  const state = await Deno.makeTempDir();
  try {
    const ca = await CertificateAuthority.loadOrCreate(state);
    const key = await openssl(["pkey", "-in", join(state, "ca", "ca.key"), "-noout"], state);
    assert.ok(key.ok, key.text);
    const pem = await Deno.readTextFile(ca.certPath);
    await Deno.writeTextFile(ca.certPath, pem.replace(/^MII/m, "AAA"));
    await assert.rejects(
      () => CertificateAuthority.loadOrCreate(state),
      /Cannot read the CA certificate ".*ca\.pem": no PEM certificate/,
    );
  } finally {
    await Deno.remove(state, { recursive: true });
  }
});
