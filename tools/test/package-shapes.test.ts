import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type * as caffeProgress from '../../packages/caffe-import/src/progress';
import type * as clicksProgress from '../../packages/clicks/src/progress';
import type * as dcspProgress from '../../packages/dcsp/src/progress';
import type * as deeplabProgress from '../../packages/deeplab-resnet/src/progress';
import type * as crfProgress from '../../packages/dense-crf/src/progress';
import type * as vocProgress from '../../packages/voc-data/src/progress';
// @ts-expect-error plain ESM script without types
import { findCycles, importGraph, packageImportCycles, resolveSpecifier, staticImportsOf } from '../import-cycles.mjs';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const PACKAGES = ['caffe-import', 'voc-data', 'clicks', 'dense-crf', 'deeplab-resnet', 'dcsp', 'cli'];
const LEAVES = ['caffe-import', 'voc-data', 'clicks', 'dense-crf'];
const BRAND = Symbol.for('objsel.error');

function sourceFiles(dir: string, ext = /\.(ts|tsx|mts|mjs|js)$/): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return ['node_modules', 'dist', 'public', 'test-results'].includes(e.name) ? [] : sourceFiles(p, ext);
    return ext.test(e.name) ? [p] : [];
  });
}

const read = (file: string) => fs.readFileSync(file, 'utf8');
const srcFiles = (pkg: string) => sourceFiles(path.join(root, 'packages', pkg, 'src'));

type ErrorModule = Record<string, unknown> & { isObjselError: (e: unknown) => boolean };
type ErrorClass = new (code: string, message: string, options?: { file?: string; where?: string }) => Error & { code: string };

async function errorModule(pkg: string): Promise<{ module: ErrorModule; classes: [string, ErrorClass][] }> {
  const module = (await import(`../../packages/${pkg}/src/errors.ts`)) as ErrorModule;
  const classes = Object.entries(module).filter(
    (e): e is [string, ErrorClass] => typeof e[1] === 'function' && (e[1] as { prototype?: unknown }).prototype instanceof Error,
  );
  return { module, classes };
}

describe('errors: one class per package, branded with objsel.error', () => {
  it('every package has src/errors.ts with one error class that carries the brand and keeps its code', async () => {
    for (const pkg of PACKAGES) {
      const { classes } = await errorModule(pkg);
      expect(
        classes.map(([name]) => name),
        pkg,
      ).toHaveLength(1);
      const [name, ErrorClass] = classes[0]!;
      const error = new ErrorClass('io', 'cannot read', { file: 'a.png' });
      expect(error, name).toBeInstanceOf(Error);
      expect(Reflect.get(error, BRAND), name).toBe(true);
      expect(error.code).toBe('io');
      expect(error.message).toBe('a.png: cannot read');
      // A fixed, non-enumerable mark: spreading or serialising an error does not copy it.
      expect(Object.getOwnPropertyDescriptor(error, BRAND)).toMatchObject({ value: true, writable: false, enumerable: false });
      expect(Reflect.get({ ...error }, BRAND)).toBeUndefined();
    }
  });

  it("every package's isObjselError recognises every package's error, and nothing by its name alone", async () => {
    const modules = await Promise.all(PACKAGES.map(errorModule));
    const errors = modules.map(({ classes }) => new classes[0]![1]('io', 'x'));
    const impostor = Object.assign(new Error('x'), { name: 'VocDataError', code: 'io' });
    for (const [i, { module }] of modules.entries()) {
      expect(typeof module.isObjselError, PACKAGES[i]).toBe('function');
      for (const error of errors) expect(module.isObjselError(error), `${PACKAGES[i]} on ${error.name}`).toBe(true);
      expect(module.isObjselError(impostor)).toBe(false);
      expect(module.isObjselError(new TypeError('bug'))).toBe(false);
      expect(module.isObjselError({ [BRAND]: true, code: 'io' })).toBe(false);
    }
  });

  it('every errors.ts brands with the same lines (leaves may not import each other)', () => {
    for (const pkg of PACKAGES) {
      const text = read(path.join(root, 'packages', pkg, 'src/errors.ts'));
      expect(text, pkg).toContain("const OBJSEL_ERROR = Symbol.for('objsel.error');");
      expect(text, pkg).toContain('Object.defineProperty(this, OBJSEL_ERROR, { value: true });');
    }
  });

  it('the CLI treats branded errors as user errors (one line, exit 2), and name look-alikes as bugs (exit 1)', async () => {
    const cli = await import('../../packages/cli/src/errors');
    const { classes } = await errorModule('dense-crf');
    const crfError = new classes[0]![1]('bad-shape', 'probability holds 3 values\nfor a 2x2 image', { where: 'crfBinary' });
    expect(cli.isUserError(crfError)).toBe(true);
    expect(cli.exitCodeOf(crfError)).toBe(2);
    expect(cli.formatError(crfError)).toBe('crfBinary: probability holds 3 values for a 2x2 image');
    expect(cli.exitCodeOf(new cli.CliError('usage', 'bad flag'))).toBe(2);
    expect(cli.exitCodeOf(new cli.CliError('failed', 'stopped', { exitCode: 3 }))).toBe(3);
    const impostor = Object.assign(new Error('x'), { name: 'DenseCrfError', code: 'bad-shape' });
    expect(cli.isUserError(impostor)).toBe(false);
    expect(cli.exitCodeOf(impostor)).toBe(1);
    expect(read(path.join(root, 'packages/cli/src/errors.ts'))).not.toMatch(
      /\.name\s*===|'(CaffeImport|VocData|DenseCrf|Clicks|Deeplab|Dcsp)Error'/,
    );
  });
});

/** A declaration's text without comments and with whitespace and trailing separators normalised. */
function normalise(text: string): string {
  return text
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/\/\/.*$/gm, '')
    .replace(/\s+/g, ' ')
    .replace(/\s*([{};:?()=<>,])\s*/g, '$1')
    .trim();
}

function declaration(text: string, start: RegExp): string {
  const m = start.exec(text);
  if (!m) return '';
  const from = m.index;
  const end = text.startsWith('export interface', from) ? text.indexOf('\n}', from) + 2 : text.indexOf(';\n', from) + 1;
  return normalise(text.slice(from, end));
}

describe('progress: one ProgressEvent shape', () => {
  const expected = normalise(`
    export interface ProgressEvent { task: string; done: number; total?: number; message?: string; metrics?: Record<string, number>; }
    export type OnProgress = (event: ProgressEvent) => void;`);

  it('each leaf declares ProgressEvent and OnProgress in src/progress.ts with the same shape', () => {
    for (const pkg of LEAVES) {
      const text = read(path.join(root, 'packages', pkg, 'src/progress.ts'));
      const found = `${declaration(text, /export interface ProgressEvent\b/)}${declaration(text, /export type OnProgress\b/)}`;
      expect(found, pkg).toBe(expected);
    }
  });

  it('deeplab-resnet re-exports caffe-import’s, dcsp deeplab-resnet’s', () => {
    expect(normalise(read(path.join(root, 'packages/deeplab-resnet/src/progress.ts')))).toBe(
      "export type{OnProgress,ProgressEvent}from '@objsel/caffe-import';",
    );
    expect(normalise(read(path.join(root, 'packages/dcsp/src/progress.ts')))).toBe(
      "export type{OnProgress,ProgressEvent}from '@objsel/deeplab-resnet';",
    );
  });

  it('no other file declares a progress event type', () => {
    const stray: string[] = [];
    for (const pkg of PACKAGES) {
      for (const file of srcFiles(pkg)) {
        if (file.endsWith(`${path.sep}src${path.sep}progress.ts`)) continue;
        if (/\b(interface|type)\s+\w*Progress(Event)?\b\s*[=<{]/.test(read(file))) stray.push(path.relative(root, file));
      }
    }
    expect(stray).toEqual([]);
  });

  it('the packages’ types are the same type (checked by tsc)', () => {
    expectTypeOf<vocProgress.ProgressEvent>().toEqualTypeOf<caffeProgress.ProgressEvent>();
    expectTypeOf<clicksProgress.ProgressEvent>().toEqualTypeOf<caffeProgress.ProgressEvent>();
    expectTypeOf<crfProgress.ProgressEvent>().toEqualTypeOf<caffeProgress.ProgressEvent>();
    expectTypeOf<deeplabProgress.ProgressEvent>().toEqualTypeOf<caffeProgress.ProgressEvent>();
    expectTypeOf<dcspProgress.ProgressEvent>().toEqualTypeOf<caffeProgress.ProgressEvent>();
    expectTypeOf<vocProgress.OnProgress>().toEqualTypeOf<clicksProgress.OnProgress>();
    expectTypeOf<crfProgress.OnProgress>().toEqualTypeOf<dcspProgress.OnProgress>();
  });
});

describe('generators: one per purpose, named for it', () => {
  it('no package exports a generator called Rng, and no two packages export one of the same name', () => {
    const owners = new Map<string, string[]>();
    for (const pkg of PACKAGES) {
      for (const file of srcFiles(pkg)) {
        for (const m of read(file).matchAll(/export\s+(?:declare\s+)?(?:class|interface|type|function|const)\s+(\w*Rng)\b/g)) {
          owners.set(m[1]!, [...(owners.get(m[1]!) ?? []), `${pkg}/${path.relative(path.join(root, 'packages', pkg), file)}`]);
        }
      }
    }
    expect(owners.has('Rng')).toBe(false);
    expect([...owners].filter(([, where]) => new Set(where.map((w) => w.split('/')[0])).size > 1)).toEqual([]);
    expect(owners.get('SampleRng')).toEqual(['voc-data/src/sample-rng.ts']);
    expect(owners.get('ClickRng')).toEqual(['clicks/src/click-rng.ts']);
  });
});

describe('the probability → two-label CRF adapter lives once, in dense-crf', () => {
  it('nothing outside dense-crf builds a two-label CRF input itself', () => {
    const dirs = [
      ...PACKAGES.filter((p) => p !== 'dense-crf').map((p) => path.join(root, 'packages', p, 'src')),
      path.join(root, 'tools'),
      path.join(root, 'examples'),
    ];
    const self = new URL(import.meta.url).pathname;
    const found = dirs
      .flatMap((d) => sourceFiles(d))
      .filter((f) => f !== self && /numLabels:\s*2\b/.test(read(f)))
      .map((f) => path.relative(root, f));
    expect(found).toEqual([]);
  });
});

describe('import-cycle walker', () => {
  const graph = (edges: Record<string, string[]>) => new Map(Object.entries(edges));

  it('finds a synthetic cycle, with its path', () => {
    const cycles = findCycles(graph({ a: ['b'], b: ['c'], c: ['a', 'd'], d: [] })) as string[][];
    expect(cycles).toEqual([['a', 'b', 'c', 'a']]);
  });

  it('finds nothing in a DAG, however the edges are ordered', () => {
    expect(findCycles(graph({ a: ['b', 'c'], b: ['d'], c: ['d'], d: [], e: ['a'] }))).toEqual([]);
  });

  it('finds a self-import and separate cycles, and a two-file type-only cycle', () => {
    const cycles = findCycles(graph({ a: ['a'], b: ['c'], c: ['b'], d: ['e'], e: ['f'], f: ['d', 'b'] })) as string[][];
    expect(cycles.map((c) => c.join('>')).sort()).toEqual(['a>a', 'b>c>b', 'd>e>f>d']);
  });

  it('survives a long chain closing on itself (no recursion limit)', () => {
    const n = 20_000;
    const edges: Record<string, string[]> = {};
    for (let i = 0; i < n; i++) edges[`m${i}`] = [`m${(i + 1) % n}`];
    const cycles = findCycles(graph(edges)) as string[][];
    expect(cycles).toHaveLength(1);
    expect(cycles[0]).toHaveLength(n + 1);
  });

  it('reads static imports and re-exports, type-only included, not dynamic imports or comments', () => {
    const text = [
      "import { a } from './a';",
      "import type { B } from './b';",
      "import {\n  c,\n  type C2,\n} from './c';",
      "export * from './d';",
      "export type { E } from './e';",
      "export { f as g } from './f';",
      "import './side-effect';",
      "import * as h from './h';",
      "import def, { i } from './i';",
      "const lazy = () => import('./lazy');",
      "// import { no } from './commented';",
      "/* export * from './block-commented'; */",
      'export const s = \'import x from "./string"\';',
    ].join('\n');
    expect(staticImportsOf(text)).toEqual(['./a', './b', './c', './d', './e', './f', './side-effect', './h', './i']);
  });

  it('resolves extension-less, .js-for-.ts and folder-index specifiers', () => {
    const files = new Set(['/p/src/a.ts', '/p/src/dir/index.ts', '/p/src/b.tsx']);
    expect(resolveSpecifier('/p/src/x.ts', './a', files)).toBe('/p/src/a.ts');
    expect(resolveSpecifier('/p/src/x.ts', './a.js', files)).toBe('/p/src/a.ts');
    expect(resolveSpecifier('/p/src/x.ts', './dir', files)).toBe('/p/src/dir/index.ts');
    expect(resolveSpecifier('/p/src/dir/index.ts', '../b', files)).toBe('/p/src/b.tsx');
    expect(resolveSpecifier('/p/src/x.ts', '@objsel/clicks', files)).toBeUndefined();
  });

  it('finds a type-only cycle planted in files on disk', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'objsel-cycles-'));
    fs.mkdirSync(path.join(dir, 'codecs'));
    fs.writeFileSync(path.join(dir, 'codec.ts'), "import { sharp } from './codecs/sharp';\nexport interface Codec { name: string }\n");
    fs.writeFileSync(
      path.join(dir, 'codecs/sharp.ts'),
      "import type { Codec } from '../codec';\nexport const sharp: Codec = { name: 's' };\n",
    );
    fs.writeFileSync(path.join(dir, 'other.ts'), "export { sharp } from './codecs/sharp';\n");
    const cycles = (findCycles(importGraph(dir)) as string[][]).map((c) => c.map((f) => path.relative(dir, f)));
    expect(cycles).toEqual([['codec.ts', path.join('codecs', 'sharp.ts'), 'codec.ts']]);
  });
});

describe('the packages', () => {
  it('have no import cycles inside their src/, type-only imports included', () => {
    const found = (packageImportCycles(root) as { pkg: string; cycle: string[] }[]).map(({ pkg, cycle }) => ({
      pkg,
      files: [...new Set(cycle.map((f) => path.relative(path.join('packages', pkg, 'src'), f)))].sort(),
    }));
    expect(found).toEqual([]);
  });

  it('have no comment citing the project’s research notes (not published with the packages)', () => {
    const pattern = new RegExp(`${['shared', 'research'].join('/')}|\\b(seeds|backends|ecosystem)\\.md\\b`);
    const files = [
      ...PACKAGES.flatMap((p) => [
        ...sourceFiles(path.join(root, 'packages', p, 'src')),
        ...sourceFiles(path.join(root, 'packages', p, 'test')),
        path.join(root, 'packages', p, 'README.md'),
      ]),
      ...sourceFiles(path.join(root, 'tools')),
      ...sourceFiles(path.join(root, 'examples')),
    ].filter((f) => fs.existsSync(f));
    const self = new URL(import.meta.url).pathname;
    expect(files.filter((f) => f !== self && pattern.test(read(f))).map((f) => path.relative(root, f))).toEqual([]);
  });
});
