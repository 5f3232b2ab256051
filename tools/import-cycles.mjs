#!/usr/bin/env node
// Finds import cycles among the source files of each package (packages/*/src). Every static
// `import … from`, side-effect `import '…'` and `export … from` counts, type-only ones included:
// a type-only cycle compiles, but it means two files share a type that belongs in a third.
// Dynamic `import()` does not count (it runs later, on demand). Exits 1 on any cycle.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SOURCE_EXT = ['.ts', '.tsx', '.mts', '.cts'];
// `import x from 'a'`, `import type { T } from 'a'`, `export * from 'a'`, `export { x } from 'a'`, `import 'a'`
const STATIC_RE = /(?:^|[;}\s])(?:import|export)\s+(?:type\s+)?(?:[\w*${}\s,]*?\s+from\s*)?['"]([^'"]+)['"]/g;

/** The static import/re-export specifiers of a TypeScript source text (comments ignored). */
export function staticImportsOf(text) {
  const stripped = text.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
  return [...stripped.matchAll(STATIC_RE)].map((m) => m[1]);
}

/**
 * Where a relative specifier of `from` points among `files` (a set of absolute paths): the file
 * itself, with a source extension, with `.js` written for `.ts`, or a folder's index.
 */
export function resolveSpecifier(from, specifier, files) {
  if (!specifier.startsWith('.')) return undefined;
  const base = path.resolve(path.dirname(from), specifier);
  const stem = base.replace(/\.(m|c)?js$/, '');
  const candidates = [base, ...SOURCE_EXT.map((e) => stem + e), ...SOURCE_EXT.map((e) => path.join(base, `index${e}`))];
  return candidates.find((c) => files.has(c));
}

function walk(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return walk(p);
    return SOURCE_EXT.some((x) => e.name.endsWith(x)) && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

/** The import graph of every source file under `srcDir`: file → files it imports (absolute paths). */
export function importGraph(srcDir) {
  const files = new Set(walk(srcDir));
  const graph = new Map();
  for (const file of files) {
    const targets = staticImportsOf(fs.readFileSync(file, 'utf8'))
      .map((s) => resolveSpecifier(file, s, files))
      .filter((t) => t !== undefined);
    graph.set(file, [...new Set(targets)]);
  }
  return graph;
}

/**
 * The cycles of a graph (Map node → nodes), one per strongly connected component with more
 * than one node or a self-edge, each as a closed path `[a, b, …, a]` through that component.
 */
export function findCycles(graph) {
  const index = new Map();
  const low = new Map();
  const onStack = new Set();
  const stack = [];
  const components = [];
  let counter = 0;
  const targetsOf = (n) => graph.get(n) ?? [];
  // Tarjan's algorithm, iterative so deep graphs cannot overflow the call stack.
  for (const start of graph.keys()) {
    if (index.has(start)) continue;
    const work = [{ node: start, next: 0 }];
    index.set(start, counter);
    low.set(start, counter++);
    stack.push(start);
    onStack.add(start);
    while (work.length > 0) {
      const frame = work[work.length - 1];
      const targets = targetsOf(frame.node);
      if (frame.next < targets.length) {
        const t = targets[frame.next++];
        if (!index.has(t)) {
          index.set(t, counter);
          low.set(t, counter++);
          stack.push(t);
          onStack.add(t);
          work.push({ node: t, next: 0 });
        } else if (onStack.has(t)) {
          low.set(frame.node, Math.min(low.get(frame.node), index.get(t)));
        }
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1].node;
        low.set(parent, Math.min(low.get(parent), low.get(frame.node)));
      }
      if (low.get(frame.node) === index.get(frame.node)) {
        const component = [];
        let n;
        do {
          n = stack.pop();
          onStack.delete(n);
          component.push(n);
        } while (n !== frame.node);
        if (component.length > 1 || targetsOf(frame.node).includes(frame.node)) components.push(component);
      }
    }
  }
  return components.map((c) => cyclePath(graph, new Set(c)));
}

/** A closed path through a strongly connected component, found by breadth-first search back to its first node. */
function cyclePath(graph, members) {
  const first = [...members].sort()[0];
  const previous = new Map();
  const queue = [first];
  for (let head = 0; head < queue.length; head++) {
    const n = queue[head];
    for (const t of graph.get(n) ?? []) {
      if (!members.has(t)) continue;
      if (t === first) {
        const backwards = [first];
        for (let m = n; m !== first; m = previous.get(m)) backwards.push(m);
        backwards.push(first);
        return backwards.reverse();
      }
      if (!previous.has(t)) {
        previous.set(t, n);
        queue.push(t);
      }
    }
  }
  return [first, first];
}

/** The import cycles inside each package's src/ under `root`: `[{ pkg, cycle: [relative paths] }]`. */
export function packageImportCycles(root) {
  const pkgDir = path.join(root, 'packages');
  const found = [];
  for (const name of fs.readdirSync(pkgDir).sort()) {
    const src = path.join(pkgDir, name, 'src');
    if (!fs.existsSync(src)) continue;
    for (const cycle of findCycles(importGraph(src))) found.push({ pkg: name, cycle: cycle.map((f) => path.relative(root, f)) });
  }
  return found;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const cycles = packageImportCycles(root);
  for (const { pkg, cycle } of cycles) console.error(`@objsel/${pkg}: import cycle ${cycle.join(' → ')}`);
  if (cycles.length > 0) process.exit(1);
  console.log('no import cycles inside any package');
}
