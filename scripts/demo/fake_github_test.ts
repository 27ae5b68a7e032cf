import assert from "node:assert/strict";
import { createFakeGitHubApp } from "./fake_github.ts";

const put = (app: ReturnType<typeof createFakeGitHubApp>, body: unknown) =>
  app.request("/repos/o/r/contents/docs/x.md", { method: "PUT", body: JSON.stringify(body) });

Deno.test("createFakeGitHubApp() creates, reads, updates and refuses like GitHub", async () => {
  const app = createFakeGitHubApp(new Map());
  assert.equal((await app.request("/repos/o/r/contents/docs/x.md")).status, 404);
  const created = await put(app, { message: "add", content: btoa("hello") });
  assert.equal(created.status, 201);
  const { content } = await created.json();
  // Git's blob id of "hello", as `git hash-object` prints it.
  assert.equal(content.sha, "b6fc4c620b67d95f953a5c1c1230aaab5db5a1b0");
  const read = await (await app.request("/repos/o/r/contents/docs/x.md")).json();
  assert.equal(atob(read.content), "hello");
  assert.equal((await put(app, { message: "again", content: btoa("x") })).status, 422);
  assert.equal(
    (await put(app, { message: "m", content: btoa("x"), sha: "0".repeat(40) })).status,
    409,
  );
  assert.equal(
    (await put(app, { message: "m", content: btoa("x"), sha: content.sha })).status,
    200,
  );
  assert.equal((await put(app, { message: "m", content: "not base64!" })).status, 422);
});
