/**
 * Hosts on one machine for the remote tests: network namespaces joined to a "remote"
 * namespace by veth pairs (namespace-local addresses only), processes started inside them
 * whose output lines can be awaited, and `curl` run inside a namespace.
 *
 * @module
 */

/** Prefix of every namespace a test run makes: `tg19-<pid of the run>-<role>`. */
const PREFIX = "tg19-";

/** The name of namespace `role` of the run with process id `pid`. */
export function hostName(role: string, pid = Deno.pid): string {
  return `${PREFIX}${pid}-${role}`;
}

/**
 * Delete the namespaces of earlier runs whose process is gone (a run killed before its
 * clean-up), ending the processes still inside them first; returns the names deleted.
 */
export async function sweepStaleHosts(): Promise<string[]> {
  const listed = await run(["ip", "netns", "list"]).catch(() => "");
  const swept: string[] = [];
  for (const name of listed.split("\n").map((l) => l.split(" ")[0]!)) {
    const pid = new RegExp(`^${PREFIX}(\\d+)-`).exec(name)?.[1];
    if (!pid || await Deno.lstat(`/proc/${pid}`).then(() => true, () => false)) continue;
    const inside = await run(["ip", "netns", "pids", name]).catch(() => "");
    for (const p of inside.split("\n").filter((l) => /^\d+$/.test(l))) {
      try {
        Deno.kill(Number(p), "SIGKILL");
      } catch {
        // Gone meanwhile.
      }
    }
    await run(["ip", "netns", "del", name]).then(() => swept.push(name), () => {});
  }
  return swept;
}

/** True when this machine lets the test make network namespaces (root, iproute2). */
export async function canMakeHosts(): Promise<boolean> {
  if (Deno.build.os !== "linux" || Deno.uid() !== 0) return false;
  const probe = hostName("probe");
  const ok = await run(["ip", "netns", "add", probe]).then(() => true, () => false);
  if (ok) await run(["ip", "netns", "del", probe]).catch(() => {});
  return ok;
}

/** Run a command to completion; throws with its stderr on failure. */
export async function run(args: string[]): Promise<string> {
  const out = await new Deno.Command(args[0]!, {
    args: args.slice(1),
    stdout: "piped",
    stderr: "piped",
  }).output();
  const d = new TextDecoder();
  if (out.code !== 0) throw new Error(`${args.join(" ")}: ${d.decode(out.stderr).trim()}`);
  return d.decode(out.stdout);
}

/** Namespaces `remote` and one per host, each host linked to the remote by its own veth. */
export interface Hosts {
  /** Namespace names by role. */
  ns: Record<string, string>;
  /** Each host's address as the remote sees it, and the remote's address as the host sees it. */
  addr: Record<string, { host: string; remote: string }>;
  /** Both ends of every veth: `[namespace, device]`. */
  links: [string, string][];
  /** Delete every namespace (their veths go with them). */
  cleanup(): Promise<void>;
}

/** Make the remote namespace and one per name in `hosts` (e.g. `["a", "b"]`). */
export async function makeHosts(hosts: string[]): Promise<Hosts> {
  await sweepStaleHosts();
  // Device names have at most 15 characters: the pid's last digits tell runs apart enough.
  const tag = Deno.pid % 100000;
  const ns: Record<string, string> = {};
  const addr: Hosts["addr"] = {};
  const links: Hosts["links"] = [];
  const made: string[] = [];
  const cleanup = async () => {
    for (const n of made.reverse()) await run(["ip", "netns", "del", n]).catch(() => {});
  };
  try {
    for (const name of ["remote", ...hosts]) {
      ns[name] = hostName(name);
      await run(["ip", "netns", "add", ns[name]!]);
      made.push(ns[name]!);
      await run(["ip", "-n", ns[name]!, "link", "set", "lo", "up"]);
    }
    for (const [i, name] of hosts.entries()) {
      const [r, h] = [`t${tag}r${i}`, `t${tag}h${i}`];
      await run([
        "ip",
        "link",
        "add",
        r,
        "netns",
        ns.remote!,
        "type",
        "veth",
        "peer",
        h,
        "netns",
        ns[name]!,
      ]);
      const net = `10.219.${i + 1}`;
      await run(["ip", "-n", ns.remote!, "addr", "add", `${net}.1/24`, "dev", r]);
      await run(["ip", "-n", ns[name]!, "addr", "add", `${net}.2/24`, "dev", h]);
      await run(["ip", "-n", ns.remote!, "link", "set", r, "up"]);
      await run(["ip", "-n", ns[name]!, "link", "set", h, "up"]);
      addr[name] = { host: `${net}.2`, remote: `${net}.1` };
      // The host's end first: down, it drops the host's route at once.
      links.push([ns[name]!, h], [ns.remote!, r]);
    }
  } catch (error) {
    await cleanup();
    throw error;
  }
  return { ns, addr, links, cleanup };
}

/**
 * Take every veth down or up, both ends: the remote host unreachable (a host's own end down
 * drops its route, so a connect fails at once instead of waiting for a timeout) or back.
 */
export async function remoteLinks(hosts: Hosts, up: boolean): Promise<void> {
  for (const [ns, dev] of hosts.links) {
    await run(["ip", "-n", ns, "link", "set", dev, up ? "up" : "down"]);
  }
}

/** A process started in a namespace, its output collected line by line. */
export class HostProcess {
  readonly #child: Deno.ChildProcess;
  readonly #lines: string[] = [];
  readonly #reading: Promise<void>[];
  #waiters: (() => void)[] = [];

  /** Start `args` in namespace `ns`. */
  constructor(ns: string, args: string[], env: Record<string, string> = {}) {
    this.#child = new Deno.Command("ip", {
      args: ["netns", "exec", ns, ...args],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      env: { RUST_BACKTRACE: "0", NO_COLOR: "1", ...env },
    }).spawn();
    this.#reading = [this.#child.stdout, this.#child.stderr].map((s) => this.#read(s));
  }

  /** Every line so far (stdout and stderr). */
  get output(): string {
    return this.#lines.join("\n");
  }

  /** The first match of `pattern` in the output, waiting up to `ms`. */
  async waitFor(pattern: RegExp, ms = 60_000): Promise<RegExpMatchArray> {
    const end = Date.now() + ms;
    for (;;) {
      const m = this.output.match(pattern);
      if (m) return m;
      if (Date.now() > end) {
        throw new Error(`Timed out waiting for ${pattern}; output:\n${this.output}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 200);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Send `signal` and wait for the process and its output to end. */
  async stop(signal: Deno.Signal = "SIGTERM"): Promise<void> {
    try {
      this.#child.kill(signal);
    } catch {
      // Already gone.
    }
    await this.#child.status;
    await Promise.all(this.#reading);
  }

  async #read(stream: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let rest = "";
    for await (const chunk of stream) {
      rest += decoder.decode(chunk, { stream: true });
      const parts = rest.split("\n");
      rest = parts.pop()!;
      this.#lines.push(...parts);
      const waiters = this.#waiters;
      this.#waiters = [];
      waiters.forEach((w) => w());
    }
    if (rest) this.#lines.push(rest);
  }
}

/** `curl` inside namespace `ns`: the HTTP status and body. */
export async function nsCurl(
  ns: string,
  args: string[],
): Promise<{ status: number; body: string }> {
  const out = await run([
    "ip",
    "netns",
    "exec",
    ns,
    "curl",
    "-sS",
    "-m",
    "60",
    "-w",
    "\n%{http_code}",
    ...args,
  ]).catch((e) => `${(e as Error).message}\n000`);
  const at = out.lastIndexOf("\n");
  return { status: Number(out.slice(at + 1)), body: out.slice(0, at) };
}
