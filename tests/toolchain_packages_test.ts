/**
 * More package clients inside `tollgate sandbox run` (netns and env mode), against local
 * sources (`toolchain_package_origin.ts`): `cargo run` of a crate depending on one from a
 * sparse registry, `gem install` and `gem fetch` from a gem source, and `pip install
 * --require-hashes` in a fresh venv; each allowed, and cargo and gem from a denied source,
 * where the tool's own error names the denial. cargo and gem are skipped, said once, where
 * they are not installed.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { detectIsolation } from "../proxy/sandbox/mod.ts";
import { CARGO, PACKAGE_HOSTS, withPackageOrigin } from "./toolchain_package_origin.ts";
import { runScript, type ScriptRun } from "./toolchain_fixtures.ts";

const netns = (await detectIsolation()) === "netns";
if (!netns) console.error("toolchain_packages_test: netns mode skipped: needs network namespaces");
const CARGO_PRESENT = await Deno.stat(CARGO).then(() => true, () => false);
if (!CARGO_PRESENT) console.error(`toolchain_packages_test: cargo skipped: no ${CARGO}`);
const GEM_PRESENT = await Deno.stat("/usr/bin/gem").then(() => true, () => false);
if (!GEM_PRESENT) console.error("toolchain_packages_test: gem skipped: no /usr/bin/gem");
/**
 * rustup's proxy finds its toolchains there. The runner names it (and CARGO_HOME) as a rust
 * image does (`RUSTUP_HOME=/usr/local/rustup`), with a HOME that holds no `.rustup`: before,
 * the sandbox dropped both, and cargo stopped with "rustup could not choose a version".
 */
const RUSTUP_HOME = "/root/.rustup";

const POLICY = `version: 1
network_policies:
  packages:
    endpoints:
      - { host: crates.test, port: 443, protocol: rest, access: read-only }
      - { host: gems.test, port: 443, protocol: rest, access: read-only }
      - { host: pypi.org, port: 443, protocol: rest, access: read-only }
    binaries: [{ path: "/usr/bin/*" }, { path: "${RUSTUP_HOME}/toolchains/*/bin/cargo" }]
`;

const CARGO_TOML = `[package]\\nname = "app"\\nversion = "0.1.0"\\nedition = "2021"\\n\\n` +
  `[dependencies]\\ntgdemo = "0.1"\\n`;
const MAIN_RS = `fn main() { println!("{}", tgdemo::VALUE); }\\n`;
const cargoConfig = (index: string) =>
  `[source.crates-io]\\nreplace-with = "local"\\n[source.local]\\nregistry = "sparse+${index}"\\n`;

function script(sha: string): string {
  const lines = [
    `/usr/bin/python3 -m venv venv && echo 'tgdemo==0.1 --hash=sha256:${sha}' > req.txt`,
    "step pip venv/bin/pip install -q --no-cache-dir --require-hashes -r req.txt",
    `step pip_import venv/bin/python -c 'import tgdemo; print(tgdemo.VALUE)'`,
  ];
  if (CARGO_PRESENT) {
    for (
      const [dir, index] of [["app", "https://crates.test/"], [
        "app_denied",
        "https://denied.test/",
      ]]
    ) {
      lines.push(
        `mkdir -p ${dir}/src ${dir}/.cargo && printf '${CARGO_TOML}' > ${dir}/Cargo.toml`,
        `printf '${MAIN_RS}' > ${dir}/src/main.rs && printf '${
          cargoConfig(index!)
        }' > ${dir}/.cargo/config.toml`,
      );
    }
    lines.push(
      `step cargo sh -c 'cd app && ${CARGO} run -q'`,
      `step cargo_denied sh -c 'cd app_denied && ${CARGO} fetch'`,
      // The runner's CARGO_HOME holds the registry cache, not a `.cargo` of the sandbox's HOME.
      "step cargo_home test -d cargo-home/registry/index",
    );
  }
  if (GEM_PRESENT) {
    const gem = "gem install --no-document --clear-sources --install-dir gems";
    lines.push(
      `step gem ${gem} --source https://gems.test/ tgdemo`,
      `step gem_require ruby -I gems/gems/tgdemo-0.1.0/lib -e 'require "tgdemo"; puts Tgdemo::VALUE'`,
      // Before gem fetch, whose .gem in the folder gem install would take.
      `step gem_denied ${gem.replace("gems", "gems2")} --source https://denied.test/ tgdemo`,
      "step gem_fetch gem fetch --clear-sources --source https://gems.test/ tgdemo",
    );
  }
  return `${lines.join("\n")}\nexit 0\n`;
}

async function walk(isolate: "netns" | "env"): Promise<ScriptRun> {
  const work = await Deno.makeTempDir({ prefix: "tg-packages-" });
  try {
    await Deno.mkdir(join(work, "origin"));
    await Deno.mkdir(join(work, "agent"));
    let run: ScriptRun | undefined;
    await withPackageOrigin(join(work, "origin"), async (origin, packages) => {
      run = await runScript(join(work, "agent"), {
        policy: POLICY,
        isolate,
        script: script(packages.wheelSha256),
        origin: { ...origin, hosts: PACKAGE_HOSTS },
        // cargo runs rustc from PATH, as a user's shell has it.
        env: {
          PATH: `${CARGO.replace(/\/cargo$/, "")}:/usr/bin:/bin`,
          RUSTUP_HOME,
          CARGO_HOME: join(work, "agent", "cargo-home"),
        },
      });
    });
    return run!;
  } finally {
    await Deno.remove(work, { recursive: true });
  }
}

function check(run: ScriptRun): void {
  assert.equal(run.code, 0, run.stderr);
  const { results, out } = run;
  const ok = (name: string) => assert.equal(results[name], "0", `${name}: ${out[name]}`);
  const denied = (name: string, pattern: RegExp) => {
    assert.notEqual(results[name], "0", `${name}: ${out[name]}`);
    assert.match(out[name] ?? "", pattern);
  };
  ok("pip");
  assert.equal(out.pip_import, "pip ok");
  if (CARGO_PRESENT) {
    ok("cargo");
    ok("cargo_home");
    assert.equal(out.cargo, "cargo ok");
    denied("cargo_denied", /got 403\n\s*body:\n\s*\{"error":"policy_denied"/);
  }
  if (GEM_PRESENT) {
    for (const name of ["gem", "gem_require", "gem_fetch"]) ok(name);
    assert.equal(out.gem_require, "gem ok");
    denied("gem_denied", /bad response Forbidden by Tollgate policy, see http:\/\/policy\.local/);
  }
}

Deno.test({
  name:
    "toolchain packages (netns): cargo from a sparse registry, gem install and fetch, pip --require-hashes in a venv; denied sources read",
  ignore: !netns,
  fn: async () => check(await walk("netns")),
});

Deno.test("toolchain packages (env mode): the same clients through the proxy variables", async () =>
  check(await walk("env")));

Deno.test({
  name:
    "toolchain packages (confined): rustup's cargo finds the runner's ~/.rustup from the fresh HOME a filesystem_policy gives",
  ignore: !netns || !CARGO_PRESENT,
  fn: async () => {
    const work = await Deno.makeTempDir({ prefix: "tg-rustup-" });
    try {
      // The runner's HOME holds .rustup and .cargo, listed read-only; the home itself is not,
      // so the command gets a fresh one. Before, rustup looked for toolchains in it.
      const home = RUSTUP_HOME.replace(/\/\.rustup$/, "");
      const policy = `version: 1
filesystem_policy:
  include_workdir: true
  read_only: [/usr, /lib, /etc, ${RUSTUP_HOME}, ${home}/.cargo]
network_policies: {}
`;
      const run = await runScript(work, {
        policy,
        isolate: "netns",
        script: `step cargo ${CARGO} --version\nstep home sh -c 'echo "$HOME"'\n`,
        env: { HOME: home, PATH: `${home}/.cargo/bin:/usr/bin:/bin` },
      });
      assert.equal(run.code, 0, run.stderr);
      assert.notEqual(run.out.home, home, "the command got a fresh HOME");
      assert.equal(run.results.cargo, "0", run.out.cargo);
      assert.match(run.out.cargo ?? "", /^cargo \d+\.\d+\.\d+/);
    } finally {
      await Deno.remove(work, { recursive: true });
    }
  },
});
