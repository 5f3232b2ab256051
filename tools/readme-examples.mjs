#!/usr/bin/env node
// README examples that run: every ```ts / ```js block of README.md and packages/*/README.md is
// written to .objsel-tmp/readme-examples/, type-checked with strict tsc (the repo's settings,
// `@objsel/*` resolved to the packages' sources) and run with Node against the built packages
// (`npm run build` first). A block preceded by `<!-- no-run -->` is type-checked but not run
// (browser-only code); `<!-- no-check -->` skips it altogether (kept for fragments, used sparingly).
//
//   node tools/readme-examples.mjs [--list] [--no-run] [README.md ...]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { extractBlocks } from './readme-blocks.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, '.objsel-tmp', 'readme-examples');
const LANGS = new Set(['ts', 'typescript', 'js', 'javascript', 'mjs']);
/** Seconds a block may run. */
const RUN_TIMEOUT = 120;

/** The READMEs to check: the root one and every package's. */
function readmes() {
  const list = [path.join(ROOT, 'README.md')];
  for (const dir of readdirSync(path.join(ROOT, 'packages')).sort()) {
    const file = path.join(ROOT, 'packages', dir, 'README.md');
    if (existsSync(file)) list.push(file);
  }
  return list.filter((f) => existsSync(f));
}

function run(command, args, options = {}) {
  return spawnSync(command, args, { encoding: 'utf8', ...options });
}

const argv = process.argv.slice(2);
const listOnly = argv.includes('--list');
const noRun = argv.includes('--no-run');
const chosen = argv.filter((a) => !a.startsWith('--')).map((f) => path.resolve(f));
const files = chosen.length > 0 ? chosen : readmes();

rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });
const examples = [];
for (const file of files) {
  const rel = path.relative(ROOT, file);
  const slug = rel
    .replace(/\/README\.md$/, '')
    .replace(/^packages\//, '')
    .replace(/[^\w-]+/g, '-')
    .replace(/^README-md$/, 'root');
  for (const [n, found] of extractBlocks(readFileSync(file, 'utf8'), LANGS).entries()) {
    const block = { ...found, mode: found.markers.find((m) => m === 'no-run' || m === 'no-check') ?? 'run' };
    if (block.mode === 'no-check') continue;
    const name = `${slug}-${n + 1}`;
    // Every block is a module of its own (top-level await, no names shared between blocks).
    writeFileSync(path.join(OUT, `${name}.ts`), `// ${rel}:${block.line}\n${block.code}\nexport {};\n`);
    examples.push({ name, where: `${rel}:${block.line}`, mode: block.mode });
  }
}
if (listOnly) {
  for (const e of examples) console.log(`${e.where}\t${e.mode}\t${e.name}.ts`);
  process.exit(0);
}

writeFileSync(path.join(OUT, 'package.json'), '{ "type": "module", "private": true }\n');
writeFileSync(
  path.join(OUT, 'tsconfig.json'),
  `${JSON.stringify(
    {
      extends: path.relative(OUT, path.join(ROOT, 'tsconfig.base.json')),
      compilerOptions: { outDir: 'js', rootDir: '.', declaration: false, sourceMap: false, noEmitOnError: true },
      include: ['*.ts'],
    },
    null,
    2,
  )}\n`,
);
console.log(`readme-examples: ${examples.length} blocks from ${files.length} READMEs in ${path.relative(ROOT, OUT)}`);
const tsc = run(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', OUT], { cwd: ROOT });
if (tsc.status !== 0) {
  // Name the README line of each error.
  const out = `${tsc.stdout}${tsc.stderr}`.replace(
    /(?:\.objsel-tmp\/readme-examples\/)?([\w-]+)\.ts\((\d+),(\d+)\)/g,
    (m, name, line, col) => {
      const e = examples.find((x) => x.name === name);
      if (!e) return m;
      const [readme, start] = e.where.split(':');
      return `${readme}:${Number(start) + Number(line) - 1}:${col} (${name}.ts)`;
    },
  );
  console.error(out.trim());
  console.error('readme-examples: type-check failed');
  process.exit(1);
}
console.log('readme-examples: type-check passed (strict)');
if (noRun) process.exit(0);

let failed = 0;
for (const e of examples) {
  if (e.mode !== 'run') {
    console.log(`  skip ${e.where} (${e.mode})`);
    continue;
  }
  const started = performance.now();
  const result = run(process.execPath, [path.join(OUT, 'js', `${e.name}.js`)], {
    cwd: OUT,
    timeout: RUN_TIMEOUT * 1000,
    env: { ...process.env, OBJSEL_WASM_THREADS: '1' },
  });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  if (result.status === 0) {
    console.log(`  ok   ${e.where} (${seconds} s)`);
  } else {
    failed++;
    const why = result.error ? result.error.message : `exit ${result.status ?? result.signal}`;
    console.error(`  FAIL ${e.where} (${why}, ${seconds} s)\n${`${result.stdout}${result.stderr}`.trim().replace(/^/gm, '       ')}`);
  }
}
if (failed > 0) {
  console.error(`readme-examples: ${failed} block(s) failed`);
  process.exit(1);
}
console.log('readme-examples: every runnable block ran');
