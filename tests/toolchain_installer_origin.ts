/**
 * Local stand-ins for the sources the other installers reach, on one HTTPS origin
 * (`serveOrigin`): an npm registry (`registry.npmjs.org`, for `bun install`), a RubyGems
 * source (`gems.test`, for bundler), a PyPI simple index (`pypi.org`, for poetry), a Composer
 * repository (`packagist.test`: `packages.json` and a tar dist) and a Debian repository
 * (`deb.test`: `Release`, `Packages` and one `.deb`, for apt-get). Each serves one tiny
 * package, built here by the real tool where it is installed (`gem build`, `dpkg-deb`).
 */
import { join } from "node:path";
import { type Origin, run, serveOrigin } from "./toolchain_fixtures.ts";
import { gems, wheel } from "./toolchain_package_origin.ts";
import { buildPackages } from "./toolchain_registries.ts";

/** The names the origin answers for. */
export const INSTALLER_HOSTS = [
  "registry.npmjs.org",
  "gems.test",
  "pypi.org",
  "packagist.test",
  "deb.test",
];

type Files = Map<string, Uint8Array<ArrayBuffer> | string>;
const exists = (path: string) => Deno.stat(path).then(() => true, () => false);
const read = async (path: string) => new Uint8Array(await Deno.readFile(path));
const hex = async (algorithm: string, bytes: Uint8Array<ArrayBuffer>) =>
  Array.from(
    new Uint8Array(await crypto.subtle.digest(algorithm, bytes)),
    (b) => b.toString(16).padStart(2, "0"),
  ).join("");

/** `tgdemo` 1.0.0 as a packument and its tarball. */
async function npm(dir: string): Promise<Files> {
  const { tgz } = await buildPackages(join(dir, "npm-build"));
  const sha512 = btoa(String.fromCharCode(
    ...new Uint8Array(await crypto.subtle.digest("SHA-512", tgz)),
  ));
  const tarball = "https://registry.npmjs.org/tgdemo/-/tgdemo-1.0.0.tgz";
  const dist = { tarball, integrity: `sha512-${sha512}` };
  const packument = {
    name: "tgdemo",
    "dist-tags": { latest: "1.0.0" },
    versions: { "1.0.0": { name: "tgdemo", version: "1.0.0", dist } },
  };
  return new Map<string, Uint8Array<ArrayBuffer> | string>([
    ["/tgdemo", JSON.stringify(packument)],
    ["/tgdemo/-/tgdemo-1.0.0.tgz", tgz],
  ]);
}

/** `tg/demo` 1.0.0: a Composer repository's `packages.json` and its tar dist. */
async function composer(dir: string): Promise<Files> {
  const src = join(dir, "composer", "demo");
  await Deno.mkdir(join(src, "src"), { recursive: true });
  const name = "tg/demo";
  const autoload = { "psr-4": { "Tg\\Demo\\": "src/" } };
  await Deno.writeTextFile(join(src, "composer.json"), JSON.stringify({ name, autoload }));
  await Deno.writeTextFile(
    join(src, "src", "Value.php"),
    '<?php\nnamespace Tg\\Demo;\nclass Value { const VALUE = "composer ok"; }\n',
  );
  await run("tar", ["-cf", "demo.tar", "demo"], join(dir, "composer"));
  const tar = await read(join(dir, "composer", "demo.tar"));
  const url = "https://packagist.test/dist/demo.tar";
  const version = {
    name,
    version: "1.0.0",
    autoload,
    dist: { type: "tar", url, shasum: await hex("SHA-1", tar) },
  };
  return new Map<string, Uint8Array<ArrayBuffer> | string>([
    ["/packages.json", JSON.stringify({ packages: { [name]: { "1.0.0": version } } })],
    ["/dist/demo.tar", tar],
  ]);
}

/** A Debian repository (`stable main`, amd64) of one package, `tgdemo`, built by dpkg-deb. */
async function debian(dir: string): Promise<Files> {
  const src = join(dir, "deb", "tgdemo");
  await Deno.mkdir(join(src, "DEBIAN"), { recursive: true });
  const control = "Package: tgdemo\nVersion: 1.0\nArchitecture: all\n" +
    "Maintainer: t <t@example.test>\nDescription: demo\n";
  await Deno.writeTextFile(join(src, "DEBIAN", "control"), control);
  await run(
    "dpkg-deb",
    ["--build", "--root-owner-group", "tgdemo", "tgdemo.deb"],
    join(dir, "deb"),
  );
  const deb = await read(join(dir, "deb", "tgdemo.deb"));
  const file = "pool/main/tgdemo.deb";
  const packages = `${control}Filename: ${file}\nSize: ${deb.length}\n` +
    `SHA256: ${await hex("SHA-256", deb)}\n\n`;
  const packagesBytes = new TextEncoder().encode(packages);
  const release = "Origin: tg\nLabel: tg\nSuite: stable\nCodename: stable\n" +
    "Architectures: amd64 all\nComponents: main\nDate: Mon, 07 Dec 2026 00:00:00 UTC\nSHA256:\n" +
    ` ${await hex("SHA-256", packagesBytes)} ${packagesBytes.length} main/binary-amd64/Packages\n`;
  return new Map<string, Uint8Array<ArrayBuffer> | string>([
    ["/dists/stable/Release", release],
    ["/dists/stable/main/binary-amd64/Packages", packages],
    [`/${file}`, deb],
  ]);
}

/** Start the origin in `dir` (which the caller removes), run `fn`, stop it. */
export async function withInstallerOrigin(
  dir: string,
  fn: (origin: Origin) => Promise<void>,
): Promise<void> {
  const sources: Record<string, Files> = {
    "registry.npmjs.org": await npm(dir),
    "gems.test": await exists("/usr/bin/gem") ? await gems(dir) : new Map(),
    "pypi.org": (await wheel(dir)).files,
    "packagist.test": await composer(dir),
    "deb.test": await exists("/usr/bin/dpkg-deb") ? await debian(dir) : new Map(),
  };
  const origin = await serveOrigin(dir, INSTALLER_HOSTS, (request, host) => {
    const path = new URL(request.url).pathname;
    const body = sources[host]?.get(path);
    if (body === undefined) return new Response("not found\n", { status: 404 });
    // pip and poetry read an index page only as HTML.
    const type = path.startsWith("/simple/") ? "text/html" : "application/octet-stream";
    return new Response(body, { headers: { "content-type": type } });
  });
  try {
    await fn(origin);
  } finally {
    await origin.shutdown();
  }
}
