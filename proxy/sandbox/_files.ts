/**
 * Small file helpers of the sandbox runner.
 *
 * @module
 */

/** Write `text` to `path` through a temporary file and a rename (mode 0644). */
export async function writeAtomically(path: string, text: string): Promise<void> {
  const temporary = `${path}.${crypto.randomUUID()}.tmp`;
  try {
    await Deno.writeTextFile(temporary, text, { mode: 0o644, createNew: true });
    await Deno.chmod(temporary, 0o644);
    await Deno.rename(temporary, path);
  } catch (error) {
    await Deno.remove(temporary).catch(() => {});
    throw error;
  }
}
