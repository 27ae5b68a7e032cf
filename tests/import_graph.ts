/**
 * The import graph of the product, read from the import lines themselves, for
 * architecture_test.ts: the edges between files (types included or not), their cycles, and
 * the files a start-up loads.
 */
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository's root folder. */
export const root = dirname(dirname(fileURLToPath(import.meta.url)));
const SOURCE_DIRS = ["proxy", "gateway", "cli", "scripts"];

/** Every .ts file below `dir` (testdata folders left out). */
export async function sourceFiles(dir: string): Promise<string[]> {
  const files: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory && entry.name !== "testdata") files.push(...await sourceFiles(path));
    else if (entry.isFile && entry.name.endsWith(".ts")) files.push(path);
  }
  return files;
}

function relativeImports(text: string): string[] {
  const specifiers = [...text.matchAll(/(?:import|export)[^"';]*?from\s+"(\.[^"]+)"/g)];
  return specifiers.map((m) => m[1]!);
}

/** Every relative import edge of the product folders' files, tests and types included. */
export async function allImports(): Promise<{ from: string; to: string }[]> {
  const edges: { from: string; to: string }[] = [];
  for (const dir of SOURCE_DIRS) {
    for (const file of await sourceFiles(join(root, dir))) {
      const text = await Deno.readTextFile(file);
      for (const spec of relativeImports(text)) {
        edges.push({
          from: relative(root, file),
          to: relative(root, resolve(dirname(file), spec)),
        });
      }
    }
  }
  return edges;
}

/** Whether `path` is a test file. */
export const isTest = (path: string): boolean => path.endsWith("_test.ts");

/** A file's imports and re-exports in code (not in comments); `import type` only with `types`. */
async function codeImports(file: string, types = false): Promise<string[]> {
  const code = (await Deno.readTextFile(join(root, file))).replace(/^\s*(\*|\/\/).*$/gm, "");
  const pattern = types
    ? /(?:import|export)[^"';]*?from\s+"(\.[^"]+)"/g
    : /(?:import|export)(?!\s+type\b)[^"';]*?from\s+"(\.[^"]+)"/g;
  return [...code.matchAll(pattern)].map((m) =>
    relative(root, resolve(dirname(join(root, file)), m[1]!))
  );
}

/** The import edges between the product's files (tests left out). */
export async function codeEdges(types: boolean): Promise<{ from: string; to: string }[]> {
  const edges: { from: string; to: string }[] = [];
  for (const dir of SOURCE_DIRS) {
    for (const file of await sourceFiles(join(root, dir))) {
      const from = relative(root, file);
      if (isTest(from)) continue;
      for (const to of await codeImports(from, types)) edges.push({ from, to });
    }
  }
  return edges;
}

/** The cycles of a graph: its strongly connected components of two or more nodes (Tarjan). */
export function cycles(edges: { from: string; to: string }[]): string[][] {
  const next = new Map<string, Set<string>>();
  for (const { from, to } of edges) {
    if (from !== to) next.set(from, (next.get(from) ?? new Set()).add(to));
  }
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const found: string[][] = [];
  const visit = (node: string) => {
    index.set(node, index.size);
    low.set(node, index.get(node)!);
    stack.push(node);
    for (const to of next.get(node) ?? []) {
      if (!index.has(to)) visit(to);
      if (stack.includes(to)) low.set(node, Math.min(low.get(node)!, low.get(to)!));
    }
    if (low.get(node) !== index.get(node)) return;
    const component = stack.splice(stack.indexOf(node));
    if (component.length > 1) found.push(component.sort());
  };
  for (const node of next.keys()) if (!index.has(node)) visit(node);
  return found;
}

/** Every file loaded, transitively, when `entry` starts (computed dynamic imports excluded). */
export async function loadedFiles(entry: string): Promise<Set<string>> {
  const seen = new Set<string>();
  const todo = [entry];
  while (todo.length > 0) {
    const file = todo.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    todo.push(...await codeImports(file));
  }
  return seen;
}
