/**
 * The confine step, in Perl (the system's) and in Deno (where there is no Perl), run as the
 * sandbox runs it but outside a sandbox: it confines the command to the policy's paths, loads
 * the syscall filter, waits at the gate, gives the command its environment back, and lets no
 * variable of the command's run code before Landlock.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { confineStep, probeLandlock, syscallFilter } from "../proxy/sandbox/mod.ts";
import { SYSTEM_PERL } from "../proxy/sandbox/_confine_perl.ts";
import { makeFifo, openLibc } from "../proxy/sandbox/_libc.ts";

const abi = probeLandlock();
const perlHere = await Deno.stat(SYSTEM_PERL).then(() => true, () => false);
const PATH = "/usr/local/bin:/usr/bin:/bin";
const STEPS = [["perl", SYSTEM_PERL], ["deno", undefined]] as const;

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run `script` in `dir` through the step (`perl`: which), the gate on fd 6 when given. */
async function throughStep(
  dir: string,
  script: string,
  options: Parameters<typeof startStep>[2],
): Promise<Ran> {
  return await startStep(dir, script, options).ran;
}

/** Start `script` through the step; its pid, and what it printed once it ended. */
function startStep(
  dir: string,
  script: string,
  options: {
    perl?: string;
    readOnly?: string[];
    hard?: boolean;
    filter?: boolean;
    env?: Record<string, string>;
    gate?: string;
  },
): { pid: number; ran: Promise<Ran> } {
  const sections = {
    filesystem_policy: { read_only: options.readOnly ?? [] },
    ...(options.hard ? { landlock: { compatibility: "hard_requirement" as const } } : {}),
  };
  const plan = options.readOnly === undefined
    ? { kind: "none" as const }
    : { kind: "landlock" as const, abi: abi as number, sections };
  const plain = { command: ["sh", "-c", script], env: { PATH, ...options.env } };
  const step = confineStep(plan, plain, {
    workdir: dir,
    shown: [],
    perl: options.perl,
    syscallFilter: options.filter ? syscallFilter(Deno.build.arch) : undefined,
    gateFd: options.gate === undefined ? undefined : 6,
  });
  // The gate's descriptor as the setup script leaves it: fd 6, opened on the FIFO.
  const [program, args] = options.gate === undefined
    ? [step.command[0]!, step.command.slice(1)]
    : ["sh", ["-c", 'exec 6<"$0"; exec "$@"', options.gate, ...step.command]];
  const child = new Deno.Command(program, {
    args,
    env: step.env,
    clearEnv: true,
    cwd: dir,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  const ran = child.output().then((out) => ({
    code: out.code,
    stdout: text(out.stdout),
    stderr: text(out.stderr),
  }));
  return { pid: child.pid, ran };
}

/** Until process `pid` holds the gate open on descriptor 6 (the setup script's `exec 6<`). */
async function holdsGate(pid: number, gate: string): Promise<void> {
  while ((await Deno.readLink(`/proc/${pid}/fd/6`).catch(() => "")) !== gate) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * A folder with `ok/f` and `no/f`, the test in it, removed after; not under /tmp, which every
 * confined command may write (OpenShell's baseline).
 */
async function inFolder(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.realPath(await Deno.makeTempDir({ dir: "/var/tmp", prefix: "tg-step-" }));
  try {
    for (const name of ["ok", "no"]) {
      await Deno.mkdir(join(dir, name));
      await Deno.writeTextFile(join(dir, name, "f"), `${name}\n`);
    }
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

for (const [kind, perl] of STEPS) {
  const ignore = typeof abi !== "number" || (kind === "perl" && !perlHere);

  Deno.test({
    name: `confineStep() in ${kind}: the command reads what the policy lists and nothing else`,
    ignore,
    fn: () =>
      inFolder(async (dir) => {
        const ran = await throughStep(dir, "cat ok/f; cat no/f; echo $?", {
          perl,
          readOnly: [join(dir, "ok")],
        });
        assert.equal(ran.code, 0, ran.stderr);
        assert.equal(ran.stdout, "ok\n1\n");
        assert.match(ran.stderr, /no\/f: Permission denied/);
        // Written nowhere: the working folder is not listed read-write.
        const wrote = await throughStep(dir, "echo x > ok/g", { perl, readOnly: [dir] });
        assert.notEqual(wrote.code, 0);
      }),
  });

  Deno.test({
    name: `confineStep() in ${kind}: a hard_requirement path that does not exist stops the run`,
    ignore,
    fn: () =>
      inFolder(async (dir) => {
        const missing = join(dir, "gone");
        const ran = await throughStep(dir, "echo ran", { perl, readOnly: [missing], hard: true });
        assert.equal(ran.code, 126);
        assert.equal(ran.stdout, "");
        assert.equal(
          ran.stderr,
          `tollgate sandbox: filesystem_policy names paths that do not exist: ${missing}\n`,
        );
      }),
  });

  Deno.test({
    name: `confineStep() in ${kind}: the filter is loaded, the environment given back`,
    ignore: kind === "perl" && !perlHere,
    fn: () =>
      inFolder(async (dir) => {
        const env = { PERL_BADLANG: "1", PERLIO: ":raw", LANG: "xx_YY.UTF-8" };
        const ran = await throughStep(
          dir,
          'grep -E "^(Seccomp|NoNewPrivs):" /proc/self/status; echo "$PERL_BADLANG $PERLIO $LANG ${DENO_DIR-none}"',
          { perl, filter: true, env },
        );
        assert.equal(ran.code, 0, ran.stderr);
        assert.equal(ran.stdout, "NoNewPrivs:\t1\nSeccomp:\t2\n1 :raw xx_YY.UTF-8 none\n");
        assert.equal(ran.stderr, "");
        const gone = await throughStep(dir, "true", { perl, filter: true, env: {} });
        assert.equal(gone.code, 0);
        const missing = await throughStep(dir, "true", { perl, filter: true });
        assert.equal(missing.code, 0);
      }),
  });

  Deno.test({
    name: `confineStep() in ${kind}: a command not found exits 127, in one line`,
    ignore: kind === "perl" && !perlHere,
    fn: () =>
      inFolder(async (dir) => {
        const plain = { command: ["tg-no-such-command"], env: { PATH } };
        const step = confineStep({ kind: "none" }, plain, {
          workdir: dir,
          shown: [],
          perl,
          syscallFilter: syscallFilter(Deno.build.arch),
        });
        const out = await new Deno.Command(step.command[0]!, {
          args: step.command.slice(1),
          env: step.env,
          clearEnv: true,
          stderr: "piped",
        }).output();
        assert.equal(out.code, 127);
        assert.equal(
          new TextDecoder().decode(out.stderr),
          'tollgate sandbox: cannot run "tg-no-such-command": No such file or directory\n',
        );
      }),
  });

  Deno.test({
    name: `confineStep() in ${kind}: the command runs after "go" at the gate, never without it`,
    ignore: kind === "perl" && !perlHere,
    fn: () =>
      inFolder(async (dir) => {
        for (const word of ["go\n", ""]) {
          const gate = join(dir, `gate${word.length}`);
          const libc = openLibc();
          makeFifo(libc.symbols, gate, 0o600);
          libc.close();
          // Held open until the step has it, as the runner holds it until the end.
          const writer = await Deno.open(gate, { read: true, write: true });
          const started = startStep(dir, "echo ran", { perl, filter: true, gate });
          await holdsGate(started.pid, gate);
          if (word !== "") await writer.write(new TextEncoder().encode(word));
          writer.close();
          const { code, stdout, stderr } = await started.ran;
          if (word !== "") assert.deepEqual([code, stdout], [0, "ran\n"], stderr);
          else {
            assert.deepEqual([code, stdout], [1, ""]);
            assert.equal(stderr, "tollgate sandbox: the sandbox's forwarder did not start\n");
          }
        }
      }),
  });
}

Deno.test({
  name: "confineStep() in perl: no variable of the command's runs Perl code before Landlock",
  ignore: typeof abi !== "number" || !perlHere,
  fn: () =>
    inFolder(async (dir) => {
      // A module that writes where Landlock would not let the command write.
      await Deno.writeTextFile(
        join(dir, "Plant.pm"),
        `open(my $f, ">", "${dir}/no/planted");\n1;\n`,
      );
      const env = { PERL5LIB: dir, PERL5OPT: "-MPlant" };
      const ran = await throughStep(dir, 'echo "$PERL5LIB $PERL5OPT"', {
        perl: SYSTEM_PERL,
        readOnly: [dir],
        env,
      });
      assert.equal(ran.code, 0, ran.stderr);
      assert.equal(ran.stdout, `${dir} -MPlant\n`);
      const planted = await Deno.stat(join(dir, "no", "planted")).then(() => true, () => false);
      assert.equal(planted, false, "Plant.pm ran before Landlock");
    }),
});
