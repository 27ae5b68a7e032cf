/**
 * Fakes for the policy.local tests: an in-memory ProposalSink and a publishable policy view.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { OcsfEvent } from "../ocsf/mod.ts";
import { compilePolicy, type NetworkRule, type Policy } from "../policy/mod.ts";
import { createPolicyLocalApp } from "./policy_local_app.ts";
import type { PolicyLocalDeps, PolicySnapshot, PolicyView } from "./policy_local_deps.ts";
import type { ProposalInput, ProposalSink, ProposalStatus, SubmitResult } from "./proposal_sink.ts";

/** The read-only GitHub policy of the demo. */
export const BASE_POLICY: Policy = {
  version: 1,
  revision: 1,
  network_policies: {
    gh_ro: {
      endpoints: [{ host: "api.github.com", port: 443, protocol: "rest", access: "read-only" }],
      binaries: [{ path: "/usr/bin/curl" }],
    },
  },
};

/** The narrow rule the agent proposes in the tests. */
export const PUT_RULE: NetworkRule = {
  name: "gh_put_x",
  endpoints: [{
    host: "api.github.com",
    port: 443,
    protocol: "rest",
    enforcement: "enforce",
    rules: [{ allow: { method: "PUT", path: "/repos/o/r/contents/x.md" } }],
  }],
  binaries: [{ path: "/usr/bin/curl" }],
};

/** A policy view whose tests publish new policies. */
export class FakePolicyView implements PolicyView {
  #snapshot: PolicySnapshot;
  readonly listeners = new Set<() => void>();

  constructor(policy: Policy = BASE_POLICY) {
    this.#snapshot = snapshot(policy);
  }

  current(): PolicySnapshot {
    return this.#snapshot;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  publish(policy: Policy): void {
    this.#snapshot = snapshot(policy);
    for (const listener of [...this.listeners]) listener();
  }
}

/** The base policy plus one more rule, at the next revision. */
export function withRule(name: string, rule: NetworkRule): Policy {
  return {
    ...BASE_POLICY,
    revision: BASE_POLICY.revision + 1,
    network_policies: { ...BASE_POLICY.network_policies, [name]: rule },
  };
}

function snapshot(policy: Policy): PolicySnapshot {
  return {
    text: `version: 1\nrevision: ${policy.revision}\n# ${Object.keys(policy.network_policies)}\n`,
    revision: policy.revision,
    hash: `hash-${policy.revision}`,
    compiled: compilePolicy(policy),
  };
}

/** An in-memory sink that records submissions and lets tests decide proposals. */
export class FakeSink implements ProposalSink {
  readonly submitted: ProposalInput[] = [];
  readonly states = new Map<string, ProposalStatus>();
  readonly waiters = new Set<() => void>();
  /** Reasons to refuse a submission with, or undefined to accept it. */
  refuse: (input: ProposalInput) => string[] | undefined = () => undefined;
  /** When set, every call throws (the gateway is down). */
  failing = false;

  submit(input: ProposalInput): Promise<SubmitResult> {
    if (this.failing) return Promise.reject(new Error("connection refused"));
    this.submitted.push(input);
    const reasons = this.refuse(input);
    if (reasons) return Promise.resolve({ accepted: false, reasons });
    const proposal: ProposalStatus = {
      id: `p-${this.submitted.length}`,
      status: "pending",
      policy: input.policy,
      ...(input.sandbox === undefined ? {} : { sandbox: input.sandbox }),
      ruleName: input.ruleName,
      binary: input.rule.binaries?.[0]?.path,
      rule: input.rule,
      findings: [],
    };
    this.states.set(proposal.id, proposal);
    return Promise.resolve({ accepted: true, proposal });
  }

  status(id: string): Promise<ProposalStatus | undefined> {
    if (this.failing) return Promise.reject(new Error("connection refused"));
    return Promise.resolve(this.states.get(id));
  }

  wait(id: string, signal: AbortSignal): Promise<ProposalStatus | undefined> {
    const state = this.states.get(id);
    if (state === undefined || state.status !== "pending" || signal.aborted) {
      return Promise.resolve(state);
    }
    return new Promise((resolve) => {
      const wake = () => {
        const now = this.states.get(id)!;
        if (now.status === "pending" && !signal.aborted) return;
        this.waiters.delete(wake);
        signal.removeEventListener("abort", wake);
        resolve(now);
      };
      this.waiters.add(wake);
      signal.addEventListener("abort", wake);
    });
  }

  /** Decide a proposal (as a reviewer would) and wake its waiters. */
  decide(id: string, patch: Partial<ProposalStatus>): void {
    this.states.set(id, { ...this.states.get(id)!, ...patch });
    for (const wake of [...this.waiters]) wake();
  }
}

export const BASE = "http://policy.local";
/** The sandbox id the test app runs as (stamp log events with it to see them as denials). */
export const TEST_SANDBOX = "sb-test";
export const SKILL = "# Policy advisor\n";

/** `event` as this test app's proxy logs it: stamped with its sandbox. */
export function ours<E extends OcsfEvent>(event: E): E {
  return { ...event, unmapped: { ...event.unmapped, sandbox: TEST_SANDBOX } };
}

export interface Harness {
  app: ReturnType<typeof createPolicyLocalApp>;
  sink: FakeSink;
  policy: FakePolicyView;
  events: OcsfEvent[];
  logDir: string;
}

export async function withApp(
  fn: (h: Harness) => Promise<void>,
  overrides: Partial<PolicyLocalDeps> = {},
): Promise<void> {
  const logDir = await Deno.makeTempDir({ prefix: "tollgate_pl_" });
  const sink = new FakeSink();
  const policy = new FakePolicyView();
  const events: OcsfEvent[] = [];
  const app = createPolicyLocalApp({
    policyName: "demo",
    sandboxId: TEST_SANDBOX,
    policy,
    sink,
    logDir,
    skill: () => Promise.resolve(SKILL),
    emit: (e) => events.push(e),
    now: () => 1_000,
    ...overrides,
  });
  try {
    await fn({ app, sink, policy, events, logDir });
    assert.equal(policy.listeners.size, 0, "every policy subscription is released");
    assert.equal(sink.waiters.size, 0, "every sink wait is released");
  } finally {
    await Deno.remove(logDir, { recursive: true });
  }
}

export async function json(res: Response): Promise<Record<string, unknown>> {
  assert.match(res.headers.get("content-type") ?? "", /^application\/json/);
  return await res.json();
}

export function post(
  app: Harness["app"],
  body: unknown,
  init: RequestInit = {},
): Promise<Response> {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  return Promise.resolve(
    app.request(`${BASE}/v1/proposals`, {
      method: "POST",
      body: text,
      headers: { "content-type": "application/json" },
      ...init,
    }),
  );
}

export function proposal(...rules: Record<string, unknown>[]): Record<string, unknown> {
  return {
    intent_summary: "Write x.md to o/r through the Contents API",
    operations: rules.map((rule, i) => ({ addRule: { ruleName: `rule_${i}`, rule } })),
  };
}
