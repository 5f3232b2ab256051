import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildApiReports, checkApiReports, updateApiReports } from '../api-report.mjs';

const SHAPES = `
export interface Options {
  size: number;
  label?: string;
}
/** Not part of the surface: only used inside. */
interface Scratch {
  n: number;
}
export function area(options: Options): number {
  const s: Scratch = { n: options.size };
  return s.n * s.n;
}
export const VERSION = '1.0';
export class Box {
  private secret = 1;
  constructor(readonly width: number) {}
  grow(by: number): Box {
    return new Box(this.width + by + this.secret - 1);
  }
}
export type Kind = 'square' | 'circle';
`;

/** A repository root with one package, `@objsel/shapes`, whose entries are `files` (exports key → source). */
function syntheticRoot(files: Record<string, { source: string; text: string }>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'objsel-api-'));
  const dir = path.join(root, 'packages/shapes');
  fs.mkdirSync(path.join(dir, 'src'), { recursive: true });
  const exportsMap: Record<string, unknown> = {};
  for (const [key, { source, text }] of Object.entries(files)) {
    exportsMap[key] = { '@objsel/source': source, import: { types: './dist/x.d.ts', default: './dist/x.js' } };
    fs.writeFileSync(path.join(dir, source), text);
  }
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: '@objsel/shapes', type: 'module', exports: exportsMap }));
  return root;
}

const reportOf = (root: string, entry = 'index') => fs.readFileSync(path.join(root, `packages/shapes/api/${entry}.api.md`), 'utf8');

describe('api report', () => {
  it('lists every exported name, sorted, with its kind and declared signature, and nothing private', () => {
    const root = syntheticRoot({ '.': { source: './src/index.ts', text: SHAPES } });
    const { reports, unexported } = buildApiReports(root);
    expect(unexported).toEqual([]);
    const text = reports.get('packages/shapes/api/index.api.md')!;
    expect(text).toContain('`@objsel/shapes`');
    expect(text).toContain('5 exported names.');
    const headings = [...text.matchAll(/^## (\S+) \((.+)\)$/gm)].map((m) => `${m[1]} ${m[2]}`);
    expect(headings).toEqual(['Box class', 'Kind type', 'Options interface', 'VERSION const', 'area function']);
    expect(text).toContain('function area(options: Options): number;');
    expect(text).toContain('const VERSION = "1.0";');
    expect(text).toContain('grow(by: number): Box;');
    expect(text).toContain('label?: string;');
    expect(text).not.toMatch(/secret|Scratch|Not part of/);
    expect(text).not.toContain(root);
    // Stable: the same source gives the same bytes.
    expect(buildApiReports(root).reports.get('packages/shapes/api/index.api.md')).toBe(text);
  });

  it('passes when the reports are current and fails with a diff when a signature changed', () => {
    const root = syntheticRoot({ '.': { source: './src/index.ts', text: SHAPES } });
    expect(checkApiReports(root)).toEqual(['packages/shapes/api/index.api.md: missing (a new entry?)']);
    expect(updateApiReports(root).changed).toEqual(['packages/shapes/api/index.api.md']);
    expect(checkApiReports(root)).toEqual([]);

    const file = path.join(root, 'packages/shapes/src/index.ts');
    fs.writeFileSync(file, SHAPES.replace('area(options: Options): number', 'area(options: Options, scale = 1): number'));
    const problems = checkApiReports(root);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('packages/shapes/api/index.api.md: the public API changed');
    expect(problems[0]).toContain('\n-function area(options: Options): number;');
    expect(problems[0]).toContain('\n+function area(options: Options, scale?: number): number;');

    // A body-only change is not an API change.
    fs.writeFileSync(file, SHAPES.replace('return s.n * s.n;', 'return s.n ** 2;'));
    expect(checkApiReports(root)).toEqual([]);
  });

  it('reports a signature naming a type that no entry of the package exports, and a stale report', () => {
    const leaky = `${SHAPES}\nexport function scratch(): Scratch {\n  return { n: 0 };\n}\n`;
    const root = syntheticRoot({ '.': { source: './src/index.ts', text: leaky } });
    const { unexported } = updateApiReports(root);
    expect(unexported).toEqual([{ entry: '@objsel/shapes', name: 'scratch', type: 'Scratch', declaredIn: 'packages/shapes/src/index.ts' }]);
    expect(checkApiReports(root)).toEqual([
      '@objsel/shapes: scratch names the type Scratch (packages/shapes/src/index.ts) that no entry of its package exports',
    ]);

    // Exported from another entry of the same package is enough; a removed entry leaves a stale report.
    const fixed = syntheticRoot({
      '.': {
        source: './src/index.ts',
        text: `import type { Scratch } from './scratch';\nexport function scratch(): Scratch {\n  return { n: 0 };\n}\n`,
      },
      './extra': { source: './src/extra.ts', text: "export type { Scratch } from './scratch';\n" },
    });
    fs.writeFileSync(path.join(fixed, 'packages/shapes/src/scratch.ts'), 'export interface Scratch {\n  n: number;\n}\n');
    expect(updateApiReports(fixed).unexported).toEqual([]);
    expect(reportOf(fixed)).not.toContain('## Scratch');
    expect(reportOf(fixed, 'extra')).toContain('## Scratch (interface)');
    const manifest = path.join(fixed, 'packages/shapes/package.json');
    const json = JSON.parse(fs.readFileSync(manifest, 'utf8'));
    delete json.exports['./extra'];
    fs.writeFileSync(manifest, JSON.stringify(json));
    expect(checkApiReports(fixed)).toContain('packages/shapes/api/extra.api.md: no such entry any more (stale report)');
  });
});
