/**
 * `TransportRepo`: the private, empty-config repository every fetch and push of a gateway runs
 * in. A git run inside the policies clone reads the clone's own config, and no `-c` can unset
 * a key there: `http.proxy`, `http.sslVerify=false`, `http.sslCAInfo`, `http.extraHeader`,
 * `http.cookieFile`, `url.*.insteadOf`, `remote.*.uploadpack`, `core.sshCommand`... would
 * steer where the policy goes and whom it trusts. So the transport runs with `GIT_DIR` set to a
 * bare repository Tollgate made in a private temporary directory (no config beyond `git
 * init`'s) and `GIT_OBJECT_DIRECTORY` set to the clone's objects: the objects land in the
 * clone, the repository's config never applies, and the user's global config (credential
 * helpers, a proxy, `GIT_SSH_COMMAND`) still does. Each run has a deadline: git and every
 * helper it started are killed when it passes (a stalled transfer, a connect with no answer).
 * Its name carries the gateway's pid: a start removes those of gateways that died unclosed.
 *
 * @module
 */

import { dirname, join } from "node:path";
import { type HeadFiles, readHeadCommit, runGit } from "../client/mod.ts";
import { sweepStaleTransports, transportPrefix } from "./_stale_transports.ts";
import { failure, redactUrl, RemoteGitError, remoteRef, transportConfig } from "./_remote_git.ts";
import { isAncestor } from "./_remote_git.ts";
import { looseAncestor } from "./_loose_commits.ts";

/**
 * The fetch and push of one clone.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TransportRepo } from "./_transport_repo.ts";
 * const dir = await Deno.makeTempDir();
 * const git = (...args: string[]) => new Deno.Command("git", { args, cwd: dir }).output();
 * // The shared remote: a bare repository whose main branch holds team.yaml.
 * await git("init", "-q", "--bare", "-b", "main", "remote.git");
 * await git("clone", "-q", "remote.git", "seed");
 * await Deno.writeTextFile(`${dir}/seed/team.yaml`, "version: 1\n");
 * await git("-C", "seed", "add", "team.yaml");
 * await git("-C", "seed", "-c", "user.name=s", "-c", "user.email=s@s", "commit", "-qm", "seed");
 * await git("-C", "seed", "push", "-q", "origin", "HEAD:main");
 * const url = `file://${dir}/remote.git`;
 * const head = new TextDecoder().decode((await git("-C", "seed", "rev-parse", "HEAD")).stdout).trim();
 * const transport = await TransportRepo.open(`${dir}/seed`, { timeoutMs: 5_000 });
 * const { tip, recorded } = await transport.fetch(url, "main");
 * await recorded; // the clone's refs/tollgate/remote/main is set too
 * assert.equal(tip, head);
 * assert.equal(await transport.head(), head); // the clone's HEAD, read from its files
 * await transport.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class TransportRepo {
  readonly #root: string;
  readonly #head: HeadFiles;
  readonly #dir: string;
  readonly #objects: string;
  readonly #env: Record<string, string>;
  readonly #timeoutMs: number;
  #mirrored = false;

  private constructor(head: HeadFiles, dir: string, objects: string, timeoutMs: number) {
    this.#root = head.root;
    this.#head = head;
    this.#dir = dir;
    this.#objects = objects;
    this.#env = { GIT_DIR: dir, GIT_OBJECT_DIRECTORY: objects };
    this.#timeoutMs = timeoutMs;
  }

  /**
   * Make the transport repository of the clone at `root` (same object format).
   *
   * @throws {RemoteGitError} when git fails
   */
  static async open(root: string, options: { timeoutMs: number }): Promise<TransportRepo> {
    const info = await runGit([
      "rev-parse",
      "--path-format=absolute",
      "--git-path",
      "objects",
      "--show-object-format",
      "--git-dir",
      "--git-common-dir",
    ], root);
    const [objects, format, gitDir, commonDir] = info.stdout.split("\n");
    if (info.code !== 0 || !objects || !format || !gitDir || !commonDir) {
      throw failure("git rev-parse", info.stderr);
    }
    // The pid in the name lets a later start sweep what a killed gateway left behind.
    const dir = await Deno.makeTempDir({ prefix: transportPrefix(Deno.pid) });
    await sweepStaleTransports(dirname(dir)).catch(() => []);
    const init = ["init", "--quiet", "--bare", "--template=", `--object-format=${format}`, dir];
    const r = await runGit(init, dir);
    if (r.code !== 0) {
      await Deno.remove(dir, { recursive: true }).catch(() => {});
      throw failure("git init", r.stderr);
    }
    return new TransportRepo({ root, gitDir, commonDir }, dir, objects, options.timeoutMs);
  }

  /** The clone's HEAD commit (from git's files, see `readHeadCommit`), or undefined. */
  head(): Promise<string | undefined> {
    return readHeadCommit(this.#head);
  }

  /**
   * True when commit `ancestor` is `tip` or an ancestor of it: read from the loose commits a
   * fetch stored when they tell (no process), else asked of git in the clone.
   */
  async isAncestor(ancestor: string, tip: string): Promise<boolean> {
    return await looseAncestor(this.#objects, tip, ancestor) ??
      isAncestor(this.#root, ancestor, tip);
  }

  /**
   * Fetch `url`'s `branch` and return its tip, with `recorded`: the clone's `remoteRef(branch)`
   * being set to it (a git run the caller need not wait for before it integrates the tip).
   *
   * @throws {RemoteGitError} when the remote cannot be reached in time or has no such branch
   *   (`recorded` rejects with one when the clone's ref could not be set)
   */
  async fetch(url: string, branch: string): Promise<{ tip: string; recorded: Promise<void> }> {
    // Once the first fetch landed, this repository's own copy of the remote branch tells the
    // remote what the clone has; mirroring the clone's refs again would cost two git runs on
    // every fetch to save re-sending the few objects of the clone's own pushed commits.
    if (!this.#mirrored) await this.#mirrorRefs();
    const spec = `+refs/heads/${branch}:${remoteRef(branch)}`;
    const args = ["fetch", "--quiet", "--no-tags", "--no-write-fetch-head", "--", url, spec];
    const r = await this.#remote(args);
    const what = `git fetch from ${redactUrl(url)}`;
    if (r.code !== 0) throw this.#failure(what, r);
    const tip = await this.#fetchedTip(branch);
    if (!tip) throw failure(what, "");
    this.#mirrored = true;
    const recorded = runGit(["update-ref", remoteRef(branch), tip], this.#root).then((set) => {
      if (set.code !== 0) throw failure(what, set.stderr);
    });
    return { tip, recorded };
  }

  /**
   * The commit `url`'s `branch` points at, without fetching anything (`git ls-remote`: one run
   * of git and of the remote's side, where a fetch takes four or more); undefined when the
   * remote has no such branch.
   *
   * @throws {RemoteGitError} when the remote cannot be reached in time
   */
  async remoteTip(url: string, branch: string): Promise<string | undefined> {
    const ref = `refs/heads/${branch}`;
    const r = await this.#remote(["ls-remote", "--", url, ref]);
    if (r.code !== 0) throw this.#failure(`git ls-remote of ${redactUrl(url)}`, r);
    const line = r.stdout.split("\n").find((l) => l.endsWith(`\t${ref}`));
    return line?.split("\t")[0];
  }

  /**
   * Push the clone's HEAD to `url`'s `branch` as a fast-forward only (Git's compare-and-swap):
   * `rejected` when the branch moved since the fetch (another gateway won the race).
   *
   * @throws {RemoteGitError} when the remote cannot be reached in time or refused for another
   *   reason
   */
  async push(url: string, branch: string): Promise<"ok" | "rejected"> {
    // Never an empty source: ":refs/heads/<branch>" would delete the shared branch.
    const head = await this.head();
    if (!head) throw new RemoteGitError(`git push to ${redactUrl(url)} failed: no commit to push`);
    const ref = `${head}:refs/heads/${branch}`;
    const r = await this.#remote(["push", "--porcelain", "--no-verify", "--", url, ref]);
    if (r.code === 0) return "ok";
    // Not fast-forward, or the remote's ref moved under its own lock while this push ran.
    const lost = /^!\t.*(\[rejected\]|cannot lock ref|incorrect old value|failed to update ref)/m;
    if (lost.test(r.stdout)) return "rejected";
    // The ref's own line says why (e.g. "[remote rejected] (pre-receive hook declined)").
    const why = /^!\t[^\t]*\t(.+)$/m.exec(r.stdout)?.[1];
    if (why) {
      throw new RemoteGitError(`git push to ${redactUrl(url)} was refused: ${redactUrl(why)}`);
    }
    throw this.#failure(`git push to ${redactUrl(url)}`, r);
  }

  /** Remove the transport repository. */
  async close(): Promise<void> {
    await Deno.remove(this.#dir, { recursive: true }).catch(() => {});
  }

  /**
   * The commit the fetch just stored at `remoteRef(branch)`. A fetch writes the ref as a loose
   * file in this private repository (nothing here ever packs refs), so it is read as one, which
   * spares a git process on the path from a push to the proxies; anything else (another ref
   * storage) is asked of git.
   */
  async #fetchedTip(branch: string): Promise<string> {
    const loose = await Deno.readTextFile(join(this.#dir, remoteRef(branch))).catch(() => "");
    if (/^(?:[0-9a-f]{40}|[0-9a-f]{64})\n?$/.test(loose)) return loose.trim();
    return (await this.#git(["rev-parse", "--verify", "-q", remoteRef(branch)])).stdout.trim();
  }

  /** The clone's HEAD and remote refs as refs here, so a fetch tells the remote what it has. */
  async #mirrorRefs(): Promise<void> {
    const shown = await runGit(["show-ref", "--head"], this.#root);
    const lines = shown.stdout.split("\n").map((l) => l.split(" "))
      .filter(([sha, name]) => sha && (name === "HEAD" || name?.startsWith("refs/tollgate/")))
      .map(([sha], i) => `update refs/have/${i} ${sha}\n`);
    if (lines.length > 0) await this.#git(["update-ref", "--stdin"], lines.join(""));
  }

  #remote(args: string[]) {
    const config = transportConfig(this.#timeoutMs).flatMap((c) => ["-c", c]);
    return runGit([...config, ...args], this.#dir, {
      env: this.#env,
      timeoutMs: this.#timeoutMs,
    });
  }

  #git(args: string[], stdin?: string) {
    return runGit(args, this.#dir, { env: this.#env, stdin });
  }

  #failure(what: string, r: { stderr: string; stdout: string; timedOut?: boolean }) {
    if (r.timedOut) {
      // A push killed after the remote read it may still land: the next fetch shows it.
      const maybe = what.startsWith("git push") ? " (the next fetch shows whether it landed)" : "";
      return new RemoteGitError(
        `${what} failed: no answer within ${this.#timeoutMs / 1000} s${maybe}`,
      );
    }
    return failure(what, r.stderr || r.stdout);
  }
}
