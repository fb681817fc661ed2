import { readdirSync, readFileSync } from "node:fs";
import { posix } from "node:path";
import { repoRoot } from "./repo.ts";

/** One import of a source file: `module` as written, `target` the repo path of a relative one. */
export interface Import {
  file: string;
  module: string;
  target?: string;
}

/** The `.ts`/`.tsx` files under the given repo folders, as repo-relative paths. */
export function sourceFiles(...folders: string[]): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(posix.join(repoRoot, dir), { withFileTypes: true }).flatMap((entry) => {
      const path = posix.join(dir, entry.name);
      if (entry.isDirectory()) return entry.name === "node_modules" ? [] : walk(path);
      return /\.tsx?$/.test(entry.name) && !entry.name.endsWith(".d.ts") ? [path] : [];
    });
  return folders.flatMap(walk).sort();
}

// Static imports and re-exports (`... from "x"`), side-effect imports and literal `import("x")`.
const IMPORT =
  /\bfrom\s*["']([^"'\s]+)["']|^\s*import\s*["']([^"'\s]+)["']|\bimport\(\s*["']([^"'\s]+)["']\s*\)/gm;

/** The modules a source text imports (comments do not count). */
export function modulesOf(text: string): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
  return [...code.matchAll(IMPORT)].map((match) => (match[1] ?? match[2] ?? match[3]) as string);
}

/** Every import of a file, relative ones resolved to a repo path. */
export function importsOf(file: string, text = readFileSync(posix.join(repoRoot, file), "utf8")) {
  return modulesOf(text).map(
    (module): Import =>
      module.startsWith(".")
        ? { file, module, target: posix.normalize(posix.join(posix.dirname(file), module)) }
        : { file, module },
  );
}

/** The graph of relative imports between the given files (edges to other files are dropped). */
export function importGraph(files: readonly string[]): Map<string, string[]> {
  const known = new Set(files);
  return new Map(
    files.map((file) => [
      file,
      importsOf(file).flatMap(({ target }) => (target && known.has(target) ? [target] : [])),
    ]),
  );
}

/**
 * The import cycles of a graph: each strongly connected component of more than one file (or a
 * file importing itself), its files sorted. Tarjan's algorithm.
 */
export function cyclesOf(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  let next = 0;
  const visit = (node: string): void => {
    index.set(node, next);
    low.set(node, next);
    next += 1;
    stack.push(node);
    onStack.add(node);
    for (const to of graph.get(node) ?? []) {
      if (!index.has(to)) {
        visit(to);
        low.set(node, Math.min(low.get(node) as number, low.get(to) as number));
      } else if (onStack.has(to)) {
        low.set(node, Math.min(low.get(node) as number, index.get(to) as number));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop() as string;
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    if (component.length > 1 || (graph.get(node) ?? []).includes(node)) {
      cycles.push(component.sort());
    }
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return cycles;
}
