/**
 * More installers inside `tollgate sandbox run` (netns and env mode), against local sources
 * (`toolchain_installer_origin.ts`): `bun install` from the npm registry, `bundle install` from
 * a gem source, `composer install` from a Composer repository, `poetry install` from a PyPI
 * simple index, and `apt-get update` and `apt-get download` from a Debian repository (no root:
 * its folders under `-o Dir…`); each allowed, and each from a denied source, where the tool's
 * own words carry what it shows of the denial. apt's https method reads no CA variable, only
 * the system store: before, in env mode it refused the proxy's certificate ("The certificate
 * issuer is unknown"); the sandbox now names the bundle in `APT_CONFIG`. A tool that is not
 * installed is skipped, said once. `uv` has no Debian or npm package: not tested here.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { detectIsolation } from "../proxy/sandbox/mod.ts";
import { INSTALLER_HOSTS, withInstallerOrigin } from "./toolchain_installer_origin.ts";
import { installedTools, runScript, type ScriptRun } from "./toolchain_fixtures.ts";

const netns = (await detectIsolation()) === "netns";
if (!netns) {
  console.error("toolchain_installers_test: netns mode skipped: needs network namespaces");
}
const TOOLS = Deno.env.get("TOLLGATE_TOOLS") ?? "/opt/tollgate-tools";
const BUN = join(TOOLS, "bun/node_modules/bun/bin/bun.exe");
const PROGRAMS = {
  bun: BUN,
  bundle: "/usr/bin/bundle",
  composer: "/usr/bin/composer",
  poetry: "/usr/bin/poetry",
  apt: "/usr/bin/dpkg-deb",
};
const present = await installedTools("toolchain_installers_test", PROGRAMS);

const POLICY = `version: 1
network_policies:
  installers:
    endpoints:
${
  INSTALLER_HOSTS.map((h) => `      - { host: ${h}, port: 443, protocol: rest, access: read-only }`)
    .join("\n")
}
    binaries: [{ path: "/usr/**" }, { path: "${TOOLS}/**" }]
`;

/** Each tool's steps for `source` (a URL without the final slash), named with `suffix`. */
const STEPS: Record<string, (source: string, suffix: string) => string[]> = {
  bun: (source, s) => [
    `mkdir b${s} && echo '{"name":"a","version":"1.0.0","dependencies":{"tgdemo":"1.0.0"}}' > b${s}/package.json`,
    `printf '[install]\\nregistry = "${source}/"\\n' > b${s}/bunfig.toml`,
    `step bun${s} sh -c 'cd b${s} && ${BUN} install --no-cache && ${BUN} -e "console.log(require(\\"tgdemo\\"))"'`,
  ],
  bundle: (source, s) => [
    `mkdir g${s} && printf 'source "${source}"\\ngem "tgdemo"\\n' > g${s}/Gemfile`,
    `step bundle${s} sh -c 'cd g${s} && export BUNDLE_PATH=vendor && bundle install ${
      s ? "--verbose" : ""
    } && bundle exec ruby -e "require \\"tgdemo\\"; puts Tgdemo::VALUE"'`,
  ],
  composer: (source, s) => [
    `mkdir c${s} && echo '{"repositories":[{"type":"composer","url":"${source}"},{"packagist.org":false}],"require":{"tg/demo":"1.0.0"}}' > c${s}/composer.json`,
    `step composer${s} sh -c 'cd c${s} && COLUMNS=300 COMPOSER_HOME=$PWD/../ch composer install -n -q && php -r "require \\"vendor/autoload.php\\"; echo Tg\\\\Demo\\\\Value::VALUE;"'`,
  ],
  poetry: (source, s) => [
    `mkdir p${s} && printf '[tool.poetry]\\nname = "a"\\nversion = "0.1.0"\\ndescription = ""\\nauthors = ["t <t@e.test>"]\\n[tool.poetry.dependencies]\\npython = "^3.9"\\ntgdemo = "0.1"\\n[[tool.poetry.source]]\\nname = "local"\\nurl = "${source}/simple/"\\ndefault = true\\n' > p${s}/pyproject.toml`,
    // A keyring Poetry would ask for credentials (gnome-keyring, which python3-poetry pulls in).
    `step poetry${s} sh -c 'cd p${s} && PYTHON_KEYRING_BACKEND=keyring.backends.null.Keyring POETRY_CACHE_DIR=$PWD/../pc POETRY_VIRTUALENVS_IN_PROJECT=true poetry install --no-root -q && .venv/bin/python -c "import tgdemo; print(tgdemo.VALUE)"'`,
  ],
  apt: (source, s) => [
    `d=$PWD/apt${s} && mkdir -p $d/lists/partial $d/cache/archives/partial`,
    `echo 'deb [trusted=yes] ${source} stable main' > $d/sources.list`,
    `o="-o Dir::State=$d -o Dir::State::status=/dev/null -o Dir::Cache=$d/cache -o Dir::Etc::sourcelist=$d/sources.list -o Dir::Etc::sourceparts=- -o Debug::NoLocking=1 -o APT::Sandbox::User=$(id -un)"`,
    `step apt${s} sh -c "apt-get -q $o update && apt-get -q $o download tgdemo && ls tgdemo_1.0_all.deb"`,
  ],
};

function script(): string {
  const lines: string[] = [];
  for (const [name, steps] of Object.entries(STEPS).filter(([name]) => present[name])) {
    const host = name === "bun" ? "registry.npmjs.org" : name === "poetry" ? "pypi.org" : {
      bundle: "gems.test",
      composer: "packagist.test",
      apt: "deb.test",
    }[name];
    lines.push(...steps(`https://${host}`, ""), ...steps("https://denied.test", "_denied"));
  }
  return `${lines.join("\n")}\nexit 0\n`;
}

async function walk(isolate: "netns" | "env"): Promise<ScriptRun> {
  const work = await Deno.makeTempDir({ prefix: "tg-installers-" });
  try {
    await Deno.mkdir(join(work, "origin"));
    await Deno.mkdir(join(work, "agent"));
    let run: ScriptRun | undefined;
    await withInstallerOrigin(join(work, "origin"), async (origin) => {
      run = await runScript(join(work, "agent"), {
        policy: POLICY,
        isolate,
        script: script(),
        origin: { ...origin, hosts: INSTALLER_HOSTS },
      });
    });
    return run!;
  } finally {
    await Deno.remove(work, { recursive: true });
  }
}

/** What each tool shows of a denied source (none prints the whole body unasked). */
const DENIED: Record<string, RegExp> = {
  // bun prints the status alone.
  bun: /error: GET https:\/\/denied\.test\/tgdemo - 403/,
  // bundler reads any 403 as "Authentication is required"; --verbose shows the body.
  bundle:
    /HTTP 403 Forbidden by Tollgate policy[\s\S]*Net::HTTPForbidden: \{"error":"policy_denied"/,
  composer: /\(HTTP 403\): HTTP\/1\.1 403 Forbidden by Tollgate policy, see http:\/\/policy\.local/,
  // poetry too reads any 403 as a credentials problem, and names the URL.
  poetry: /Authorization error accessing https:\/\/denied\.test\/simple\/tgdemo\//,
  apt: /403 {1,2}Forbidden by Tollgate policy, see http:\/\/policy\.local\/v1\/denials/,
};

const OUTPUT: Record<string, RegExp> = {
  bun: /npm ok$/,
  bundle: /gem ok$/,
  composer: /^composer ok$/,
  poetry: /^pip ok$/,
  apt: /tgdemo_1\.0_all\.deb$/,
};

function check(run: ScriptRun): void {
  assert.equal(run.code, 0, run.stderr);
  const { results, out } = run;
  const show = (name: string) => `${name} ${results[name]}: ${out[name]}`;
  for (const name of Object.keys(STEPS).filter((name) => present[name])) {
    assert.equal(results[name], "0", show(name));
    assert.match(out[name] ?? "", OUTPUT[name]!, show(name));
    assert.notEqual(results[`${name}_denied`], "0", show(`${name}_denied`));
    assert.match(out[`${name}_denied`] ?? "", DENIED[name]!, show(`${name}_denied`));
  }
}

Deno.test({
  name:
    "toolchain installers (netns): bun, bundler, composer, poetry and apt-get allowed, and each from a denied source reads the denial",
  ignore: !netns,
  fn: async () => check(await walk("netns")),
});

Deno.test("toolchain installers (env mode): the same through the proxy variables (apt-get through APT_CONFIG's CA)", async () =>
  check(await walk("env")));
