import assert from "node:assert/strict";
import { join } from "node:path";
import { stageFile, syncDirectories, writeFileAtomic } from "./atomic_file.ts";

async function tempDir(): Promise<string> {
  return await Deno.makeTempDir({ prefix: "tollgate-atomic-" });
}

const names = (dir: string) => [...Deno.readDirSync(dir)].map((e) => e.name).sort();

Deno.test("stageFile() leaves the target untouched until replace()", async () => {
  const dir = await tempDir();
  try {
    const path = join(dir, "team.yaml");
    await Deno.writeTextFile(path, "old\n");
    const staged = await stageFile(path, "new\n");
    assert.equal(await Deno.readTextFile(path), "old\n");
    assert.equal(names(dir).length, 2);
    await staged.replace();
    await syncDirectories([path, path]);
    assert.equal(await Deno.readTextFile(path), "new\n");
    assert.deepEqual(names(dir), ["team.yaml"]);
    // Discarding after a replace keeps the new content.
    await staged.discard();
    assert.equal(await Deno.readTextFile(path), "new\n");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("stageFile() discard() removes the unused temporary file", async () => {
  const dir = await tempDir();
  try {
    const path = join(dir, "team.yaml");
    await writeFileAtomic(path, "old\n");
    const staged = await stageFile(path, "new\n", 0o600);
    assert.equal(
      (await Deno.stat(names(dir).map((n) => join(dir, n)).find((p) => p !== path)!))
        .mode! & 0o777,
      0o600,
    );
    await staged.discard();
    assert.deepEqual(names(dir), ["team.yaml"]);
    assert.equal(await Deno.readTextFile(path), "old\n");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
