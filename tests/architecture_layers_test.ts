/**
 * The layer rules of ARCHITECTURE.md and STYLE.md, checked from the import lines: which folders
 * of the proxy may import which (the pure kernels, the shared leaves, the transport's layers and
 * the policy engine's folders). The rules for the whole tree are in architecture_test.ts.
 */
import assert from "node:assert/strict";
import { join, relative } from "node:path";
import { codeEdges, isTest, root, sourceFiles } from "./import_graph.ts";

Deno.test("architecture: proxy/policy and proxy/ocsf import nothing else of proxy/", async () => {
  // The two pure kernels: an OCSF event may be built from a decision (policy's mod.ts), and the
  // policy's load worker is a RequestWorker (proxy/worker, a leaf) that searches bytes
  // (proxy/bytes, a leaf); nothing else of the proxy (transport, holder, tls...) may leak in.
  const bad = (await codeEdges(true)).filter((e) => {
    const kernel = /^proxy\/(policy|ocsf)\//.exec(e.from)?.[0];
    if (kernel === undefined || !e.to.startsWith("proxy/") || e.to.startsWith(kernel)) return false;
    if (e.to === "proxy/worker/mod.ts" || e.to === "proxy/bytes/mod.ts") return false;
    return !(kernel === "proxy/ocsf/" && e.to === "proxy/policy/mod.ts");
  });
  assert.deepEqual(bad, []);
});

Deno.test("architecture: the shared leaves proxy/worker, proxy/lru and proxy/bytes import nothing of the project", async () => {
  // The kernels may use proxy/worker and proxy/bytes (above), proxy/wire proxy/bytes, and every
  // layer and the gateway proxy/lru, only because they bring nothing of the proxy along.
  const leaves = ["proxy/worker/", "proxy/lru/", "proxy/bytes/"];
  const bad = (await codeEdges(true)).filter((e) => {
    const leaf = leaves.find((l) => e.from.startsWith(l));
    return leaf !== undefined && !e.to.startsWith(leaf);
  });
  assert.deepEqual(bad, []);
});

Deno.test("architecture: the transport's layers import only the layers below them", async () => {
  // proxy/wire reads bytes and HTTP/1.1, proxy/upstream finds and pools the way out, and
  // proxy/body_scan reads bodies; none of them may lean on the transport that uses them, so
  // each stays testable alone and the transport folder keeps only the exchanges.
  const below: Record<string, string[]> = {
    "proxy/wire/": ["proxy/bytes/"],
    "proxy/upstream/": ["proxy/wire/", "proxy/tls/", "proxy/policy/", "proxy/lru/"],
    "proxy/body_scan/": ["proxy/wire/", "proxy/policy/", "proxy/worker/"],
    "proxy/websocket/": [],
    "proxy/listener/": [],
  };
  const bad = (await codeEdges(true)).filter((e) => {
    const layer = Object.keys(below).find((l) => e.from.startsWith(l));
    if (layer === undefined || e.to.startsWith(layer) || !e.to.startsWith("proxy/")) return false;
    return !below[layer]!.some((l) => e.to.startsWith(l));
  });
  assert.deepEqual(bad, []);
});

Deno.test("architecture: proxy/transport never reaches into its h2 folder, not even lazily", async () => {
  // transport/h2 reuses the HTTP/1 exchanges, so it stands above them: proxy/start_proxy.ts
  // passes its loader in (ProxyOptions.loadH2Side). A computed import() counts here too.
  const bad = (await sourceFiles(join(root, "proxy/transport"))).map((f) => relative(root, f))
    .filter((f) => !f.startsWith("proxy/transport/h2/") && !isTest(f))
    .filter((f) => /["'`]\.\/h2\//.test(Deno.readTextFileSync(join(root, f))));
  assert.deepEqual(bad, []);
});

Deno.test("architecture: proxy/policy's folders import only the folders below them", async () => {
  // The engine's layers, bottom up. Its root holds only mod.ts (and whole-engine tests), which
  // re-exports the folders and is imported by none of them, so no folder cycle runs through it.
  // decide may read yaml only for its table tests' fixtures (_decide_fixtures.ts).
  const below: Record<string, string[]> = {
    glob: [],
    host: [],
    path: [],
    unicode: [],
    rpc: ["path"],
    model: ["glob", "host", "path", "rpc"],
    judge: ["model", "rpc"],
    compile: ["glob", "host", "model", "path", "rpc"],
    validate: ["compile", "host", "judge", "model", "unicode"],
    yaml: ["model", "validate"],
    decide: ["compile", "host", "judge", "model", "path", "rpc", "yaml"],
    covers: ["compile", "decide", "glob", "host", "judge", "model", "path"],
    load: ["compile", "model", "validate", "yaml"],
  };
  const folder = (path: string) => /^proxy\/policy\/(?:([a-z_]+)\/)?/.exec(path)?.[1] ?? "";
  const bad = (await codeEdges(true)).filter((e) => {
    if (!e.from.startsWith("proxy/policy/") || !e.to.startsWith("proxy/policy/")) return false;
    const [from, to] = [folder(e.from), folder(e.to)];
    if (from === "") return e.from !== "proxy/policy/mod.ts";
    return from !== to && !(below[from] ?? []).includes(to);
  });
  assert.deepEqual(bad, []);
});

Deno.test("architecture: proxy/transport's sub-folders import only the ones below them", async () => {
  // The data path, bottom up: the client connection and its answers, one request's questions,
  // the blind tunnel, the WebSocket relay, the HTTP/1 exchange and forwarding, interception, h2.
  // The transport's root (the listener's side) may use them all; none of them uses the root.
  const order = ["connection", "request", "tunnel", "upgrade_relay", "forward", "intercept", "h2"];
  const folder = (path: string) => /^proxy\/transport\/(?:([a-z_0-9]+)\/)?/.exec(path)?.[1] ?? "";
  const bad = (await codeEdges(true)).filter((e) => {
    if (!e.from.startsWith("proxy/transport/") || !e.to.startsWith("proxy/transport/")) {
      return false;
    }
    const [from, to] = [order.indexOf(folder(e.from)), order.indexOf(folder(e.to))];
    if (from === -1) return false; // the root
    return to === -1 || to > from;
  });
  assert.deepEqual(bad, []);
});
