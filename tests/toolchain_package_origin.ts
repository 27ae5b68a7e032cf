/**
 * Local stand-ins for the package sources the toolchain's other clients reach, on one HTTPS
 * origin (`serveOrigin`): a Cargo sparse registry (`crates.test`: `config.json`, the index file
 * and the `.crate` download), a RubyGems source (`gems.test`, made by `gem generate_index`),
 * and a PyPI simple index (`pypi.org`). Each serves one tiny package, `tgdemo`, built here by
 * the real tool (`cargo package`, `gem build`, Python's zipfile); a source whose tool is
 * missing is left out (`Packages` says which).
 */
import { join } from "node:path";
import { type Origin, serveOrigin } from "./toolchain_fixtures.ts";

/** The names the origin answers for. */
export const PACKAGE_HOSTS = ["crates.test", "gems.test", "pypi.org"];
/** Where `cargo` is (rustup's proxy). */
export const CARGO = "/root/.cargo/bin/cargo";

/** Which sources the origin serves, and the wheel's hash (for `--require-hashes`). */
export interface Packages {
  cargo: boolean;
  gem: boolean;
  wheelSha256: string;
}

const exists = (path: string) => Deno.stat(path).then(() => true, () => false);

async function run(cmd: string, args: string[], cwd: string, env = {}): Promise<void> {
  const out = await new Deno.Command(cmd, { args, cwd, env, stdout: "null", stderr: "piped" })
    .output();
  if (!out.success) throw new Error(`${cmd} failed: ${new TextDecoder().decode(out.stderr)}`);
}

const read = async (path: string) => new Uint8Array(await Deno.readFile(path));
const sha256 = async (bytes: Uint8Array<ArrayBuffer>) =>
  Array.from(
    new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)),
    (b) => b.toString(16).padStart(2, "0"),
  ).join("");

/** `tgdemo-0.1.0.crate`, packaged offline by cargo, and its index line. */
async function crate(dir: string): Promise<Map<string, Uint8Array<ArrayBuffer> | string>> {
  const src = join(dir, "crate");
  await Deno.mkdir(join(src, "src"), { recursive: true });
  await Deno.writeTextFile(
    join(src, "Cargo.toml"),
    '[package]\nname = "tgdemo"\nversion = "0.1.0"\nedition = "2021"\n' +
      'description = "demo"\nlicense = "MIT"\n',
  );
  await Deno.writeTextFile(join(src, "src", "lib.rs"), 'pub const VALUE: &str = "cargo ok";\n');
  const env = { CARGO_HOME: join(dir, "cargo-home") };
  await run(CARGO, ["package", "--no-verify", "--allow-dirty", "--offline", "-q"], src, env);
  const bytes = await read(join(src, "target", "package", "tgdemo-0.1.0.crate"));
  const entry = {
    name: "tgdemo",
    vers: "0.1.0",
    deps: [],
    cksum: await sha256(bytes),
    features: {},
    yanked: false,
  };
  const config = { dl: "https://crates.test/dl", api: "https://crates.test" };
  return new Map<string, Uint8Array<ArrayBuffer> | string>([
    ["/config.json", JSON.stringify(config)],
    ["/tg/de/tgdemo", `${JSON.stringify(entry)}\n`],
    ["/dl/tgdemo/0.1.0/download", bytes],
  ]);
}

/** `tgdemo-0.1.0.gem` and the index files of a static gem source. */
export async function gems(dir: string): Promise<Map<string, Uint8Array<ArrayBuffer>>> {
  const src = join(dir, "gem");
  const served = join(dir, "gem-source");
  await Deno.mkdir(join(src, "lib"), { recursive: true });
  await Deno.mkdir(join(served, "gems"), { recursive: true });
  await Deno.writeTextFile(join(src, "lib", "tgdemo.rb"), 'module Tgdemo; VALUE = "gem ok"; end\n');
  await Deno.writeTextFile(
    join(src, "tgdemo.gemspec"),
    'Gem::Specification.new do |s| s.name = "tgdemo"; s.version = "0.1.0"; ' +
      's.summary = "demo"; s.authors = ["t"]; s.files = ["lib/tgdemo.rb"]; s.license = "MIT" end\n',
  );
  await run("gem", ["build", "-q", "tgdemo.gemspec"], src);
  await Deno.copyFile(join(src, "tgdemo-0.1.0.gem"), join(served, "gems", "tgdemo-0.1.0.gem"));
  await run("gem", ["generate_index", "-q", "-d", "."], served);
  const files = new Map<string, Uint8Array<ArrayBuffer>>();
  const walk = async (folder: string, prefix: string): Promise<void> => {
    for await (const entry of Deno.readDir(folder)) {
      const path = join(folder, entry.name);
      if (entry.isDirectory) await walk(path, `${prefix}/${entry.name}`);
      else files.set(`${prefix}/${entry.name}`, await read(path));
    }
  };
  await walk(served, "");
  return files;
}

/** The wheel `tgdemo-0.1-py3-none-any.whl` and its simple-index page. */
export async function wheel(
  dir: string,
): Promise<{ files: Map<string, Uint8Array<ArrayBuffer> | string>; sha: string }> {
  const info = "tgdemo-0.1.dist-info";
  const script = [
    "import zipfile",
    "z = zipfile.ZipFile('tgdemo-0.1-py3-none-any.whl', 'w')",
    "z.writestr('tgdemo.py', 'VALUE = \"pip ok\"\\n')",
    `z.writestr('${info}/METADATA', 'Metadata-Version: 2.1\\nName: tgdemo\\nVersion: 0.1\\n')`,
    `z.writestr('${info}/WHEEL', 'Wheel-Version: 1.0\\nGenerator: t\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n')`,
    `z.writestr('${info}/RECORD', '')`,
    "z.close()",
  ].join("\n");
  await run("python3", ["-c", script], dir);
  const whl = await read(join(dir, "tgdemo-0.1-py3-none-any.whl"));
  const sha = await sha256(whl);
  const file = "tgdemo-0.1-py3-none-any.whl";
  const page = `<a href="/files/${file}#sha256=${sha}">${file}</a>`;
  return {
    sha,
    files: new Map<string, Uint8Array<ArrayBuffer> | string>([
      ["/simple/tgdemo/", page],
      [`/files/${file}`, whl],
    ]),
  };
}

/** Start the origin in `dir` (which the caller removes), run `fn`, stop it. */
export async function withPackageOrigin(
  dir: string,
  fn: (origin: Origin, packages: Packages) => Promise<void>,
): Promise<void> {
  const cargo = await exists(CARGO);
  const gem = await exists("/usr/bin/gem");
  const crates = cargo ? await crate(dir) : new Map();
  const gemFiles = gem ? await gems(dir) : new Map();
  const pypi = await wheel(dir);
  const origin = await serveOrigin(dir, PACKAGE_HOSTS, (request, host) => {
    const path = new URL(request.url).pathname;
    const body = host === "crates.test"
      ? crates.get(path)
      : host === "gems.test"
      ? gemFiles.get(path)
      : pypi.files.get(path);
    if (body === undefined) return new Response("not found\n", { status: 404 });
    // pip reads an index page only as HTML.
    const type = path.startsWith("/simple/") ? "text/html" : "application/octet-stream";
    return new Response(body, { headers: { "content-type": type } });
  });
  try {
    await fn(origin, { cargo, gem, wheelSha256: pypi.sha });
  } finally {
    await origin.shutdown();
  }
}
