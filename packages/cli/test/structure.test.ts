// The CLI stays thin: a command parses flags, calls a library, prints. These checks read the
// import statements of packages/cli/src and keep commands independent, small and acyclic.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(__dirname, '../src');
const COMMANDS = path.join(SRC, 'commands');
/** Longest command file, in lines. */
const MAX_COMMAND_LINES = 250;

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

/** A relative import of a file; `typeOnly` for `import type` / `export type`, which vanish at run time. */
interface RelativeImport {
  specifier: string;
  typeOnly: boolean;
}

/** Relative imports of a file: `import ... from`, `export ... from`, `import('...')`, side-effect imports. */
function relativeImports(text: string): RelativeImport[] {
  const found: RelativeImport[] = [];
  for (const m of text.matchAll(/^\s*(import|export)(\s+type\b)?[^'";]*?\bfrom\s*['"](\.[^'"]*)['"]/gm))
    found.push({ specifier: m[3]!, typeOnly: m[2] !== undefined });
  for (const m of text.matchAll(/\bimport\s*\(\s*['"](\.[^'"]*)['"]\s*\)/g)) found.push({ specifier: m[1]!, typeOnly: false });
  for (const m of text.matchAll(/^\s*import\s*['"](\.[^'"]*)['"]/gm)) found.push({ specifier: m[1]!, typeOnly: false });
  return found;
}

/** The file a relative specifier names (`./x` → `./x.ts` or `./x/index.ts`). */
function resolve(from: string, specifier: string): string {
  const base = path.resolve(path.dirname(from), specifier.replace(/\.js$/, ''));
  for (const candidate of [base, `${base}.ts`, path.join(base, 'index.ts')])
    if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return candidate;
  throw new Error(`${path.relative(SRC, from)}: cannot resolve '${specifier}'`);
}

const files = sourceFiles(SRC);
const imports = new Map(
  files.map((f) => [f, relativeImports(fs.readFileSync(f, 'utf8')).map((i) => ({ file: resolve(f, i.specifier), typeOnly: i.typeOnly }))]),
);
/** Every import, types included: which files depend on which. */
const graph = new Map([...imports].map(([f, list]) => [f, list.map((i) => i.file)]));
/** The imports that load a module at run time (type-only cycles are harmless). */
const runtimeGraph = new Map([...imports].map(([f, list]) => [f, list.filter((i) => !i.typeOnly).map((i) => i.file)]));

/** The command a file under commands/ belongs to: `commands/train.ts` → train, `commands/dcsp/cues.ts` → dcsp; the registry → undefined. */
function commandOf(file: string): string | undefined {
  const rel = path.relative(COMMANDS, file);
  if (rel.startsWith('..') || rel === 'index.ts') return undefined;
  return rel.split(path.sep)[0]!.replace(/\.ts$/, '');
}

describe('packages/cli/src structure', () => {
  it('reads the imports it checks', () => {
    const text = [
      "import a from './a';",
      'export { b } from "../b";',
      "import type { E } from './e';",
      "import {\n  f,\n  type G,\n} from './f';",
      "const c = await import('./c/index');",
      "import './d';",
    ].join('\n');
    expect(relativeImports(text)).toEqual([
      { specifier: './a', typeOnly: false },
      { specifier: '../b', typeOnly: false },
      { specifier: './e', typeOnly: true },
      { specifier: './f', typeOnly: false },
      { specifier: './c/index', typeOnly: false },
      { specifier: './d', typeOnly: false },
    ]);
    expect(graph.get(path.join(COMMANDS, 'index.ts'))!.length).toBeGreaterThan(10);
  });

  it('no command file imports another command (only the registry, commands/index.ts, imports them all)', () => {
    const registry = path.join(COMMANDS, 'index.ts');
    const insideCommands = (f: string) => !path.relative(COMMANDS, f).startsWith('..');
    const crossings: string[] = [];
    for (const [file, targets] of graph) {
      if (file === registry) continue;
      const own = commandOf(file);
      for (const target of targets) {
        const allowed =
          own === undefined ? !insideCommands(target) || target === registry : !insideCommands(target) || commandOf(target) === own;
        if (!allowed) crossings.push(`${path.relative(SRC, file)} -> ${path.relative(SRC, target)}`);
      }
    }
    expect(crossings).toEqual([]);
  });

  it('has no import cycles at run time', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const stack: string[] = [];
    const visit = (file: string): void => {
      state.set(file, 'open');
      stack.push(file);
      for (const next of runtimeGraph.get(file) ?? []) {
        if (state.get(next) === 'open')
          cycles.push([...stack.slice(stack.indexOf(next)), next].map((f) => path.relative(SRC, f)).join(' -> '));
        else if (!state.has(next)) visit(next);
      }
      stack.pop();
      state.set(file, 'done');
    };
    for (const file of files) if (!state.has(file)) visit(file);
    expect(cycles).toEqual([]);
  });

  it(`keeps every command file under ${MAX_COMMAND_LINES} lines`, () => {
    const long = files
      .filter((f) => !path.relative(COMMANDS, f).startsWith('..'))
      .map((f) => ({ file: path.relative(SRC, f), lines: fs.readFileSync(f, 'utf8').split('\n').length }))
      .filter((f) => f.lines > MAX_COMMAND_LINES);
    expect(long).toEqual([]);
  });
});
