/**
 * A local HTTPS server implementing the subset of the GitHub Contents API the demo needs:
 * `PUT` and `GET /repos/:owner/:repo/contents/:path`, base64 content, and GitHub's status codes
 * (201 created, 200 updated or read, 404 missing, 409 sha mismatch, 422 invalid request).
 *
 * @module
 */

import { Hono } from "hono";
import { createHash } from "node:crypto";
import type { TestCertificates } from "./test_certificates.ts";

/** One stored file. */
interface StoredFile {
  content: Uint8Array;
  sha: string;
}

/** A running fake. */
export interface FakeGitHub {
  port: number;
  /** Stored files by `owner/repo/path`. */
  files: Map<string, StoredFile>;
  close(): Promise<void>;
}

/** Git's blob id of a content, as GitHub reports `sha`. */
function blobSha(content: Uint8Array): string {
  const hash = createHash("sha1");
  hash.update(`blob ${content.length}\0`);
  hash.update(content);
  return hash.digest("hex");
}

function decodeBase64(text: string): Uint8Array | undefined {
  const clean = text.replace(/\s+/g, "");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean) || clean.length % 4 !== 0) return undefined;
  return Uint8Array.from(atob(clean), (c) => c.charCodeAt(0));
}

function encodeBase64(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes));
}

function describe(key: string, path: string, file: StoredFile) {
  const name = path.split("/").at(-1) ?? path;
  return {
    type: "file",
    name,
    path,
    sha: file.sha,
    size: file.content.length,
    url: `https://api.github.com/repos/${key.split("/").slice(0, 2).join("/")}/contents/${path}`,
  };
}

/**
 * Build the fake's Hono app over a file map (exported for app tests).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createFakeGitHubApp } from "./fake_github.ts";
 * const app = createFakeGitHubApp(new Map());
 * const res = await app.request("/repos/o/r/contents/x.md");
 * assert.equal(res.status, 404);
 * ```
 */
export function createFakeGitHubApp(files: Map<string, StoredFile>): Hono {
  const app = new Hono();
  const notFound = { message: "Not Found", documentation_url: "https://docs.github.com/rest" };
  app.get("/repos/:owner/:repo/contents/:path{.+}", (c) => {
    const { owner, repo, path } = c.req.param();
    const key = `${owner}/${repo}/${path}`;
    const file = files.get(key);
    if (!file) return c.json(notFound, 404);
    return c.json({
      ...describe(key, path, file),
      encoding: "base64",
      content: encodeBase64(file.content),
    });
  });
  app.put("/repos/:owner/:repo/contents/:path{.+}", async (c) => {
    const { owner, repo, path } = c.req.param();
    const key = `${owner}/${repo}/${path}`;
    const body = await c.req.json().catch(() => undefined) as
      | { message?: unknown; content?: unknown; sha?: unknown }
      | undefined;
    const content = typeof body?.content === "string" ? decodeBase64(body.content) : undefined;
    if (!body || typeof body.message !== "string" || !content) {
      return c.json(
        { message: "Invalid request.", documentation_url: notFound.documentation_url },
        422,
      );
    }
    const existing = files.get(key);
    if (existing && body.sha === undefined) {
      return c.json({ message: 'Invalid request.\n\n"sha" wasn\'t supplied.' }, 422);
    }
    if (existing && body.sha !== existing.sha) {
      return c.json({ message: `${path} does not match ${String(body.sha)}` }, 409);
    }
    const file = { content, sha: blobSha(content) };
    files.set(key, file);
    const commit = {
      sha: blobSha(new TextEncoder().encode(`${key}:${file.sha}`)),
      message: body.message,
    };
    return c.json({ content: describe(key, path, file), commit }, existing ? 200 : 201);
  });
  app.notFound((c) => c.json(notFound, 404));
  return app;
}

/**
 * Start the fake on 127.0.0.1 (port 0 by default) with the given certificate.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { startFakeGitHub } from "./fake_github.ts";
 * import { mintTestCertificates } from "./test_certificates.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const certs = await mintTestCertificates(dir, ["localhost"]);
 * const gh = await startFakeGitHub(certs);
 * const client = Deno.createHttpClient({ caCerts: [certs.caCertPem] });
 * const url = `https://localhost:${gh.port}/repos/o/r/contents/notes.md`;
 * const response = await fetch(url, { client });
 * assert.equal(response.status, 404); // nothing stored yet
 * await response.body?.cancel();
 * client.close();
 * await gh.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function startFakeGitHub(certs: TestCertificates, port = 0): Promise<FakeGitHub> {
  const files = new Map<string, StoredFile>();
  const app = createFakeGitHubApp(files);
  const controller = new AbortController();
  return new Promise((resolve) => {
    const server = Deno.serve({
      hostname: "127.0.0.1",
      port,
      cert: certs.certPem,
      key: certs.keyPem,
      signal: controller.signal,
      onListen: () => {},
    }, app.fetch);
    resolve({
      port: server.addr.port,
      files,
      close: async () => {
        controller.abort();
        await server.finished;
      },
    });
  });
}
