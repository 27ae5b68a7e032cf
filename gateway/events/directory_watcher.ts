/**
 * Watches a policies directory and turns what changed on disk — by the gateway itself, the
 * CLI, a manual `git am` or a `git pull` — into gateway events: `policy.updated` when a policy
 * file's hash changes (only valid files; the last good one is kept, also when the file is
 * deleted, which logs CONFIG:FAILED once), `proposal.created` and
 * `proposal.decided` when patch files appear or move.
 *
 * @module
 */

import { configEvent, type OcsfEvent } from "../../proxy/ocsf/mod.ts";
import { type LoadedPolicy, loadPolicyText } from "../../proxy/policy/mod.ts";
import type { Policy } from "../../proxy/policy/mod.ts";
import type { EventHub } from "./event_hub.ts";
import { listPolicyNames, policyFilePath } from "../repo/mod.ts";
import { listProposalFiles, type ProposalState } from "../proposals/mod.ts";
import { readProposalRecord } from "../proposals/mod.ts";
import { visibleText } from "../repo/mod.ts";
import type { PublishedPolicy } from "../client/mod.ts";
import { policyUpdated } from "./policy_updated.ts";

/** Options of a `DirectoryWatcher`. */
export interface DirectoryWatcherOptions {
  /** The directory to watch. */
  policiesDir: string;
  /** Where events are published. */
  hub: EventHub;
  /** Sink for CONFIG:FAILED when a file on disk is invalid. */
  emit?: (event: OcsfEvent) => void;
  /** Quiet time after the last file event before a scan, in ms. */
  debounceMs?: number;
  /** How long a policy file must stay missing before it counts as deleted, in ms. */
  missingGraceMs?: number;
  /**
   * Why a valid policy may still not be served (it exceeds the org ceiling), or undefined;
   * such a file is refused like an invalid one and the last good policy stays.
   */
  refuse?: (policy: Policy) => Promise<string | undefined>;
  /** Loads a policy text (a `PolicyCache`'s, shared with the store, parses each text once). */
  load?: (text: string, file: string) => LoadedPolicy;
}

/**
 * The watch of one policies directory.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DirectoryWatcher } from "./directory_watcher.ts";
 * import { EventHub } from "./event_hub.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/team.yaml`, "version: 1\nrevision: 1\n");
 * const hub = new EventHub();
 * const watcher = new DirectoryWatcher({ policiesDir: dir, hub });
 * await watcher.start();
 * assert.equal(watcher.policy("team")?.revision, 1);
 * const updated = Promise.withResolvers<unknown>();
 * const sub = hub.subscribe((event) => updated.resolve(event.data.revision));
 * await Deno.writeTextFile(`${dir}/team.yaml`, "version: 1\nrevision: 2\n");
 * assert.equal(await updated.promise, 2); // published once the file event settles
 * sub.unsubscribe();
 * await watcher.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class DirectoryWatcher {
  readonly #o: Required<DirectoryWatcherOptions>;
  readonly #policies = new Map<string, PublishedPolicy>();
  readonly #failedTexts = new Map<string, string>();
  readonly #proposals = new Map<string, ProposalState>();
  // Policies whose file is gone: seen missing once ("suspect"), or reported deleted.
  readonly #missing = new Map<string, "suspect" | "reported">();
  #watcher?: Deno.FsWatcher;
  #timer?: ReturnType<typeof setTimeout>;
  #graceTimer?: ReturnType<typeof setTimeout>;
  #scan: Promise<void> = Promise.resolve();
  #queued = false;
  #closed = false;
  #offers = 0;

  /**
   * A watcher of `options.policiesDir` (call `start()`).
   * @param options the directory, the hub, the event sink, the debounce, the loader
   */
  constructor(options: DirectoryWatcherOptions) {
    this.#o = {
      emit: () => {},
      debounceMs: 25,
      missingGraceMs: 250,
      refuse: () => Promise.resolve(undefined),
      load: loadPolicyText,
      ...options,
    };
  }

  /** Scan once (without publishing), then watch. */
  async start(): Promise<void> {
    await this.#scanPolicies(false);
    await this.#scanProposals(false);
    this.#watcher = Deno.watchFs(this.#o.policiesDir, { recursive: true });
    void this.#loop(this.#watcher);
  }

  /** The last valid snapshot of a policy. */
  policy(name: string): PublishedPolicy | undefined {
    return this.#policies.get(name);
  }

  /** Every policy's last valid snapshot. */
  policies(): PublishedPolicy[] {
    return [...this.#policies.values()].sort((a, b) => a.name < b.name ? -1 : 1);
  }

  /**
   * Take a policy the gateway's own store has just written (already validated): publish it
   * now unless its hash is the one served; the scan its file event causes finds nothing new.
   */
  offer(snapshot: PublishedPolicy): void {
    // A scan that read the file before this write must not put the older text back.
    this.#offers++;
    const previous = this.#policies.get(snapshot.name);
    // `added` describes this push only: it is not served with the policy.
    const { added: _, ...served } = snapshot;
    this.#policies.set(snapshot.name, served);
    this.#failedTexts.delete(snapshot.name);
    if (previous?.hash !== snapshot.hash) this.#o.hub.publish(policyUpdated(snapshot, previous));
  }

  /** Scan now (after an in-process change) and publish what changed; scans never overlap. */
  rescan(): Promise<void> {
    if (this.#queued) return this.#scan;
    this.#queued = true;
    this.#scan = this.#scan.then(async () => {
      this.#queued = false;
      await this.#scanPolicies(true);
      await this.#scanProposals(true);
    }).catch(() => {});
    return this.#scan;
  }

  /** Stop watching; resolves once a running scan has finished. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    clearTimeout(this.#graceTimer);
    this.#watcher?.close();
    await this.#scan;
  }

  async #loop(watcher: Deno.FsWatcher): Promise<void> {
    try {
      for await (const event of watcher) {
        if (event.paths.every((p) => p.endsWith(".lock") || p.endsWith(".tmp"))) continue;
        clearTimeout(this.#timer);
        this.#timer = setTimeout(() => void this.rescan(), this.#o.debounceMs);
      }
    } catch {
      // The watch ends when the watcher closes.
    }
  }

  async #scanPolicies(publish: boolean): Promise<void> {
    const names = await listPolicyNames(this.#o.policiesDir).catch(() => []);
    this.#checkMissing(names);
    for (const name of names) {
      const offers = this.#offers;
      const text = await Deno.readTextFile(policyFilePath(this.#o.policiesDir, name)).catch(() =>
        undefined
      );
      if (offers !== this.#offers) continue;
      if (text === undefined || text === this.#policies.get(name)?.text) continue;
      if (text === this.#failedTexts.get(name)) continue;
      try {
        const { policy, hash } = this.#o.load(text, `${name}.yaml`);
        const refused = await this.#o.refuse(policy);
        if (refused !== undefined) throw new Error(refused);
        const previous = this.#policies.get(name);
        const snapshot = { name, text, revision: policy.revision, hash, policy };
        this.#policies.set(name, snapshot);
        this.#failedTexts.delete(name);
        if (publish && previous?.hash !== hash) {
          this.#o.hub.publish(policyUpdated(snapshot, previous));
        }
      } catch (error) {
        this.#failedTexts.set(name, text);
        const why = visibleText((error as Error).message, 300);
        this.#o.emit(
          configEvent(
            "FAILED",
            `Policy ${name} on disk is invalid, keeping the last good one: ${why}`,
            { policy: name },
          ),
        );
      }
    }
  }

  /**
   * A policy file that is gone keeps its last good snapshot in force (subscribers hear
   * nothing), and is reported once as CONFIG:FAILED when still missing after the grace time.
   */
  #checkMissing(present: readonly string[]): void {
    for (const name of present) this.#missing.delete(name);
    for (const [name, snapshot] of this.#policies) {
      if (present.includes(name)) continue;
      const seen = this.#missing.get(name);
      if (seen === "reported") continue;
      if (seen === undefined) {
        this.#missing.set(name, "suspect");
        clearTimeout(this.#graceTimer);
        if (!this.#closed) {
          this.#graceTimer = setTimeout(() => void this.rescan(), this.#o.missingGraceMs);
        }
        continue;
      }
      this.#missing.set(name, "reported");
      const message = `Policy ${name}: policy file deleted; keeping revision ${snapshot.revision}`;
      const { revision, hash } = snapshot;
      this.#o.emit(configEvent("FAILED", message, { policy: name, revision, hash }));
    }
  }

  async #scanProposals(publish: boolean): Promise<void> {
    const files = await listProposalFiles(this.#o.policiesDir).catch(() => []);
    for (const file of files) {
      const before = this.#proposals.get(file.id);
      if (before === file.state) continue;
      this.#proposals.set(file.id, file.state);
      if (!publish) continue;
      const record = await readProposalRecord(file).catch(() => undefined);
      const data = {
        id: file.id,
        status: file.state,
        policy: record?.meta.policy,
        summary: record?.meta.summary,
      };
      if (file.state === "pending") this.#o.hub.publish({ type: "proposal.created", data });
      else this.#o.hub.publish({ type: "proposal.decided", data });
    }
  }
}
