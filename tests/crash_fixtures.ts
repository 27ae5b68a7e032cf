/**
 * What the crash tests (#17, #18) share: every step of an approval, and a real `tollgate`
 * process killed when it says it paused before one of them.
 */
import assert from "node:assert/strict";
import type { ApproveStep } from "../gateway/mod.ts";

/** Spawn `args`, wait until it says it paused before `step`, SIGKILL it. */
export async function killAt(args: string[], cwd: string, step: string): Promise<void> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", ...args],
    cwd,
    env: { RUST_BACKTRACE: "0", NO_COLOR: "1", TOLLGATE_TEST_PAUSE_AT: step },
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const decoder = new TextDecoder();
  let seen = "";
  for await (const chunk of child.stderr) {
    seen += decoder.decode(chunk);
    if (seen.includes(`paused before ${step}`)) break;
  }
  child.kill("SIGKILL");
  await child.status;
  assert.match(seen, new RegExp(`paused before ${step}`));
}

/** Every step of an approval, in order: a crash test kills a process before each. */
export const APPROVE_STEPS: ApproveStep[] = [
  "load",
  "apply",
  "validate",
  "bump",
  "stamp",
  "write",
  "commit",
  "move",
  "signal",
];
