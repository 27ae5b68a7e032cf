/**
 * The shape of the OpenShell decision cases (`tests/openshell_cases_*.ts`) and the one runner
 * that puts each through Tollgate's real loader and `decide()`, in the order the proxy asks:
 * the host:port question first, then, where the endpoint is inspected, the request itself
 * (path canonicalised, a GraphQL, MCP or JSON-RPC body classified as the transport does).
 *
 * Every case names the OpenShell file and test it mirrors; the policies and requests are
 * written for these tables, in our own words. A case Tollgate decides differently on purpose
 * names the README entry that says why (`differs`), and its `expect` is Tollgate's answer.
 *
 * @module
 */

import {
  bodyInspection,
  canonicalizePath,
  classifyGraphqlRequest,
  classifyMcpRequest,
  decide,
  formatIssue,
  loadPolicyText,
  PolicyValidationError,
} from "../proxy/policy/mod.ts";
import type { CompiledPolicy, Decision, RequestFacts } from "../proxy/policy/mod.ts";

/** One request as a case states it. */
export interface Ask {
  /** Destination host as the client names it. */
  host: string;
  /** Destination port. */
  port: number;
  /** The requester's executable (default `/usr/bin/curl`). */
  exe?: string;
  /** Its ancestors' executables, nearest first. */
  ancestors?: string[];
  /** The addresses the host resolved to (host-less `allowed_ips` endpoints). */
  addresses?: string[];
  /** HTTP method: present makes it an L7 question (when the endpoint is inspected). */
  method?: string;
  /** Raw path as sent, before canonicalisation. */
  path?: string;
  /** Raw query without `?`. */
  query?: string;
  /** A JSON body (a GraphQL, MCP or JSON-RPC request), sent as its JSON text. */
  body?: unknown;
  /** The request's Accept header (MCP's event stream GET). */
  accept?: string;
  /** A WebSocket client text message on the upgraded `path` (method `WEBSOCKET_TEXT`). */
  message?: string;
}

/** One decision case: a policy, a request, and the verdict OpenShell's test pins. */
export interface DecideCase {
  /** The OpenShell file and test this case mirrors, e.g. `opa.rs wrong_port_denied`. */
  mirrors: string;
  /** The policy YAML. */
  policy: string;
  /** The request. */
  ask: Ask;
  /** Tollgate's verdict (OpenShell's, unless `differs` names a documented difference). */
  expect: "allow" | "deny";
  /** A pattern the decision's reason must match. */
  reason?: RegExp;
  /** The rule key the decision must name. */
  rule?: string;
  /** The layer that answered (`l4`: a blind tunnel, no request inspected). */
  layer?: "l4" | "l7";
  /** The README "OpenShell compatibility" entry when Tollgate decides otherwise on purpose. */
  differs?: string;
}

/** One policy document case: does it load (with which warning) or is it refused (why). */
export interface LoadCase {
  /** The OpenShell file and test this case mirrors. */
  mirrors: string;
  /** The policy YAML. */
  policy: string;
  /** Whether Tollgate loads it. */
  expect: "load" | "refuse";
  /** A pattern one issue (refusal) or warning (load) must match. */
  message?: RegExp;
  /** It must load without any warning. */
  quiet?: boolean;
  /** The README "OpenShell compatibility" entry when Tollgate answers otherwise on purpose. */
  differs?: string;
}

const compiledByText = new Map<string, CompiledPolicy>();

/** Load (once per text) a case's policy, throwing its issues when it does not load. */
export function compiledOf(policy: string): CompiledPolicy {
  let compiled = compiledByText.get(policy);
  if (compiled === undefined) {
    compiled = loadPolicyText(policy, "case.yaml").compiled;
    compiledByText.set(policy, compiled);
  }
  return compiled;
}

/** The decision the proxy reaches for a case's request (L4, then L7 when inspected). */
export function decideCase(test: DecideCase): Decision {
  const compiled = compiledOf(test.policy);
  const { ask } = test;
  const identity = { exe: ask.exe ?? "/usr/bin/curl", ancestors: ask.ancestors ?? [] };
  const host = ask.host.toLowerCase();
  const base: RequestFacts = { host, port: ask.port, identity, now: Date.now() };
  if (ask.addresses) base.addresses = ask.addresses;
  const l4 = decide(compiled, base);
  if (ask.method === undefined || l4.verdict === "deny" || !l4.inspect) return l4;
  const canonical = canonicalizePath(ask.path ?? "/", {
    allowEncodedSlash: l4.allowEncodedSlash ?? false,
  });
  if (!canonical.ok) return { ...l4, verdict: "deny", layer: "l7", reason: canonical.reason };
  const facts: RequestFacts = { ...base, method: ask.method, path: canonical.path };
  if (ask.query !== undefined) facts.query = ask.query;
  if (ask.message !== undefined) {
    return decide(compiled, {
      ...facts,
      method: "WEBSOCKET_TEXT",
      websocketMessage: true,
      websocketText: new TextEncoder().encode(ask.message),
    });
  }
  classifyBody(compiled, facts, ask);
  return decide(compiled, facts);
}

/** Classify the body as the transport does, for the endpoints that judge bodies. */
function classifyBody(compiled: CompiledPolicy, facts: RequestFacts, ask: Ask): void {
  const judged = bodyInspection(compiled, facts);
  if (judged === undefined) return;
  const body = ask.body === undefined
    ? undefined
    : new TextEncoder().encode(typeof ask.body === "string" ? ask.body : JSON.stringify(ask.body));
  const method = facts.method ?? "GET";
  const request = { method, body, ...(ask.accept ? { accept: ask.accept } : {}) };
  if (judged.graphql) {
    facts.graphql = classifyGraphqlRequest({ method, body, query: facts.query });
  }
  if (judged.mcp) facts.mcp = classifyMcpRequest(request);
  if (judged.jsonRpc) facts.jsonRpc = classifyMcpRequest(request, "json-rpc");
}

/** What a case got wrong, or undefined when Tollgate answers as the case expects. */
export function checkDecideCase(test: DecideCase): string | undefined {
  let got: Decision;
  try {
    got = decideCase(test);
  } catch (error) {
    return `threw ${error instanceof Error ? error.message : String(error)}`;
  }
  const said = `${got.verdict} (${got.reason}${got.policy ? `, rule ${got.policy}` : ""})`;
  if (got.verdict !== test.expect) return `expected ${test.expect}, got ${said}`;
  if (test.reason && !test.reason.test(got.reason)) return `reason ${said} !~ ${test.reason}`;
  if (test.rule !== undefined && got.policy !== test.rule) return `rule: got ${said}`;
  if (test.layer !== undefined && got.layer !== test.layer) return `layer ${got.layer}: ${said}`;
  return undefined;
}

/** What a load case got wrong, or undefined when Tollgate answers as the case expects. */
export function checkLoadCase(test: LoadCase): string | undefined {
  let messages: string[];
  let loaded = true;
  try {
    const loadedPolicy = loadPolicyText(test.policy, "case.yaml");
    void loadedPolicy.compiled;
    messages = (loadedPolicy.warnings ?? []).map(formatIssue);
  } catch (error) {
    loaded = false;
    messages = error instanceof PolicyValidationError
      ? error.issues.map(formatIssue)
      : [error instanceof Error ? error.message : String(error)];
  }
  const got = loaded ? "load" : "refuse";
  const said = `${got}: ${messages.join(" | ") || "(no message)"}`;
  if (got !== test.expect) return `expected ${test.expect}, got ${said}`;
  if (test.message && !messages.some((m) => test.message!.test(m))) {
    return `message ${said} !~ ${test.message}`;
  }
  if (test.quiet && messages.length > 0) return `expected no warning, got ${said}`;
  return undefined;
}
