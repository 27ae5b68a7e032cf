/** What the priority tests read: a process's nice and cgroups, from inside a sandbox and out. */
import { cgroupOf } from "../proxy/sandbox/mod.ts";

/**
 * `sh -c` inside: `report.txt` in the working directory gets the shell's nice and cgroups, its
 * parent's (bubblewrap, when it is there), which of descriptors 3 to 9 it started with, and whether it could lower its
 * nice or move itself into `RUNNER_PROCS` (the runner's cpu cgroup).
 */
export const REPORT =
  `open=; for fd in 3 4 5 6 7 8 9; do if [ -e /proc/$$/fd/$fd ]; then open="$open $fd"; fi; done
exec > report.txt 2>&1
echo "fds none$open"
read -r _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ n _ < /proc/self/stat; echo "nice $n"
while read -r l; do echo "cgroup $l"; done < /proc/self/cgroup
if [ "$PPID" -gt 0 ]; then
  read -r _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ n _ < /proc/$PPID/stat; echo "parent-nice $n"
  while read -r l; do echo "parent-cgroup $l"; done < /proc/$PPID/cgroup
fi
python3 -c 'import os; os.setpriority(os.PRIO_PROCESS, 0, 0)' 2>/dev/null && echo "lower allowed" || echo "lower refused"
{ echo $$ > RUNNER_PROCS; } 2>/dev/null && echo "left allowed" || echo "left refused"
`;

/** The report's values by key; a key given on several lines gets them joined by newlines. */
export function reportOf(text: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const line of text.split("\n").filter(Boolean)) {
    const at = line.indexOf(" ");
    const [key, value] = at < 0 ? [line, ""] : [line.slice(0, at), line.slice(at + 1)];
    const before = values.get(key);
    values.set(key, before === undefined ? value : `${before}\n${value}`);
  }
  return values;
}

/** Where a `/proc/PID/cgroup` text puts its process in each bounded controller's hierarchy. */
export function controllers(mountinfo: string, cgroups: string): Map<string, string> {
  const dirs = new Map<string, string>();
  for (const controller of ["pids", "cpu", "memory"] as const) {
    const dir = cgroupOf(mountinfo, cgroups, controller);
    if (dir !== undefined) dirs.set(controller, dir);
  }
  return dirs;
}

/** The nice of a `/proc/PID/stat` text (its 19th field; the command name may hold spaces). */
export function niceOf(stat: string): number {
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[16]);
}

/** The runner's own nice, mounts and cgroups (this test process's). */
export async function runnerView(): Promise<
  { nice: number; mountinfo: string; dirs: Map<string, string> }
> {
  const mountinfo = await Deno.readTextFile("/proc/self/mountinfo");
  const dirs = controllers(mountinfo, await Deno.readTextFile("/proc/self/cgroup"));
  return { nice: niceOf(await Deno.readTextFile("/proc/self/stat")), mountinfo, dirs };
}
