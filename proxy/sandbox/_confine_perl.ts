/**
 * The confine step in Perl, the system's own (`perl-base` is part of every Debian and Ubuntu
 * install): the same work as `confine_exec.ts` (Landlock, the syscall filter, the gate, the
 * command's cgroups and nice, then `execvp`), through Perl's `syscall`, with no module loaded.
 * A Deno start cost the step some 75 ms of CPU at every confined start; Perl's, some 9.
 *
 * @module
 */

import type { ConfineSpec } from "./confine_exec.ts";
import { landlockAccess } from "./filesystem_rules.ts";

/** The Perl the step runs with, by its fixed path: a PATH's `perl` may be a user's wrapper. */
export const SYSTEM_PERL = "/usr/bin/perl";

/** The word on the step's command line that names it (tests look for it in `/proc/PID/cmdline`). */
export const PERL_STEP_MARK = "tollgate-confine-step";

/** prctl(2)'s number: the only syscall the script calls whose number differs by architecture. */
const PRCTL: Record<string, number> = { x86_64: 157, aarch64: 167 };

/**
 * Arguments (after `--`): Landlock's handled rights (0: none), hard (1/0), the read-only rights
 * of a file and of a folder, the read-write ones, then the read-only and read-write paths (each
 * list its length first); the filter (hex, "" none), prctl's number, the gate's descriptor ("":
 * none), the nice ("": no bounds), the cgroup descriptors (space-separated), the variables to
 * give back (a count, then each name and `+VALUE` or `-` to unset); `--`; the command.
 * landlock_create_ruleset, _add_rule and _restrict_self are 444-446 on x86_64 and aarch64; the
 * ruleset's descriptor is close-on-exec (the kernel makes it so), as are the paths' (Perl's).
 * Every failure: one line on standard error and 126 (127: the command is not found).
 */
export const CONFINE_PERL = `# ${PERL_STEP_MARK}
sub fail { print STDERR "tollgate sandbox: $_[0]\\n"; exit(defined $_[1] ? $_[1] : 126); }
my ($handled, $hard, @masks) = splice(@ARGV, 0, 6);
my @lists = map { my $n = shift(@ARGV); [splice(@ARGV, 0, $n)] } 1 .. 2;
my ($filter, $prctl, $gate, $nice, $groups, $count) = splice(@ARGV, 0, 6);
my @restore = splice(@ARGV, 0, 2 * $count);
shift(@ARGV);
my @command = @ARGV;
if ($handled) {
  my $ruleset = syscall(444, pack("Q", $handled), 8, 0);
  fail("Cannot create a Landlock ruleset: $!") if $ruleset < 0;
  my @missing;
  for my $i (0, 1) {
    my ($file, $dir) = ($masks[2 * $i] + 0, $masks[2 * $i + 1] + 0);
    for my $path (@{$lists[$i]}) {
      my ($fh, $rights) = (undef, $dir);
      # O_PATH | O_CLOEXEC, with O_DIRECTORY first: a folder's rights, else a file's.
      if (!sysopen($fh, $path, 0x290000)) {
        $rights = $file;
        if (!sysopen($fh, $path, 0x280000)) { push(@missing, $path); next; }
      }
      syscall(445, $ruleset + 0, 1, pack("Ql", $rights, fileno($fh)), 0) == 0
        or fail("Cannot add a Landlock rule for \\"$path\\": $!");
      close($fh);
    }
  }
  syscall($prctl + 0, 38, 1, 0, 0, 0) == 0 or fail("Cannot set no_new_privs: $!");
  syscall(446, $ruleset + 0, 0) == 0 or fail("Cannot apply the Landlock ruleset: $!");
  fail("filesystem_policy names paths that do not exist: " . join(", ", @missing))
    if $hard && @missing;
}
while (@restore) {
  my ($name, $value) = splice(@restore, 0, 2);
  if ($value eq "-") { delete $ENV{$name}; } else { $ENV{$name} = substr($value, 1); }
}
if ($filter ne "") {
  my $program = pack("H*", $filter);
  syscall($prctl + 0, 38, 1, 0, 0, 0) == 0 or fail("Cannot set no_new_privs: $!");
  # struct sock_fprog { unsigned short len; struct sock_filter *filter; }: 16 bytes on 64-bit.
  my $fprog = pack("S x6 P", length($program) / 8, $program);
  syscall($prctl + 0, 22, 2, $fprog, 0, 0) == 0 or fail("Cannot load the syscall filter: $!");
}
if ($gate ne "") {
  open(my $in, "<&=", $gate + 0) or fail("Cannot read the sandbox's gate: $!");
  my ($word, $byte) = ("", "");
  $word .= $byte while length($word) < 3 && sysread($in, $byte, 1);
  close($in);
  fail("the sandbox's forwarder did not start", 1) if $word ne "go\\n";
}
if ($nice ne "") {
  for my $fd (split(/ /, $groups)) {
    open(my $out, ">&=", $fd + 0) or fail("Cannot join the sandbox's cgroup: $!");
    syswrite($out, "0\\n") == 2 or fail("Cannot join the sandbox's cgroup: $!");
    close($out);
  }
  $! = 0;
  my $own = getpriority(0, 0);
  fail("Cannot read the nice: $!") if $own == -1 && $! != 0;
  if ($own < $nice) { setpriority(0, 0, $nice + 0) or fail("Cannot set nice $nice: $!"); }
}
{ exec { $command[0] } @command; }
my $why = $handled ? " (filesystem_policy must let it be read and executed)" : "";
fail("cannot run \\"$command[0]\\": $!$why", $! + 0 == 2 ? 127 : 126);
`;

/**
 * `perl` arguments running {@linkcode CONFINE_PERL} for `spec` (as `confine_exec.ts` reads it)
 * and `command`; `restore` replaces the spec's own (see {@linkcode perlEnv}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { confinePerlArgs } from "./_confine_perl.ts";
 *
 * const args = confinePerlArgs({ gateFd: 6 }, { PERL5LIB: "/x" }, ["ls", "-l"]);
 * assert.equal(args[0], "-e");
 * // No Landlock: no rights, no paths; no filter; then prctl's number, and the gate.
 * assert.deepEqual(args.slice(3, 12), ["0", "0", "0", "0", "0", "0", "0", "0", ""]);
 * assert.equal(args[13], "6");
 * assert.deepEqual(args.slice(-6), ["1", "PERL5LIB", "+/x", "--", "ls", "-l"]);
 * ```
 */
export function confinePerlArgs(
  spec: ConfineSpec,
  restore: Record<string, string | null>,
  command: string[],
): string[] {
  const rules = spec.landlock;
  const access = landlockAccess(rules?.abi ?? 1);
  const masks = [access.readOnly, access.readWrite].flatMap((rights) =>
    [rights(false), rights(true)].map(String)
  );
  const filter = spec.seccomp === undefined
    ? ""
    : [...atob(spec.seccomp)].map((c) => c.charCodeAt(0).toString(16).padStart(2, "0")).join("");
  const prctl = PRCTL[Deno.build.arch];
  if (prctl === undefined) throw new Error(`No Perl confine step on ${Deno.build.arch}`);
  const entries = Object.entries(restore);
  return [
    "-e",
    CONFINE_PERL,
    "--",
    rules === undefined ? "0" : String(access.handled),
    rules?.hard ? "1" : "0",
    ...(rules === undefined ? ["0", "0", "0", "0"] : masks),
    ...counted(rules?.readOnly ?? []),
    ...counted(rules?.readWrite ?? []),
    filter,
    String(prctl),
    spec.gateFd === undefined ? "" : String(spec.gateFd),
    spec.bounds === undefined ? "" : String(spec.bounds.nice),
    spec.bounds?.groupFds.join(" ") ?? "",
    String(entries.length),
    ...entries.flatMap(([name, value]) => [name, value === null ? "-" : `+${value}`]),
    "--",
    ...command,
  ];
}

/**
 * The step's environment: the command's without the variables that change how Perl starts
 * (`PERL5OPT`, `PERL5LIB`, `PERLIO`, ...: code that would run before Landlock), which are given
 * back to the command (`restore`), and with Perl's locale warning off.
 */
export function perlEnv(
  env: Record<string, string>,
): { env: Record<string, string>; restore: Record<string, string | null> } {
  const own: Record<string, string> = {};
  const restore: Record<string, string | null> = { PERL_BADLANG: env.PERL_BADLANG ?? null };
  for (const [name, value] of Object.entries(env)) {
    if (name.startsWith("PERL")) restore[name] = value;
    else own[name] = value;
  }
  return { env: { ...own, PERL_BADLANG: "0" }, restore };
}

/** A list as the script reads it: its length, then its items. */
function counted(items: string[]): string[] {
  return [String(items.length), ...items];
}
