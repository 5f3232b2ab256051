#!/usr/bin/env node
// A release rehearsal without publishing: pack every package, then install each tarball alone
// into a fresh project (its @objsel dependencies from their tarballs, everything else from the
// registry), load each of its entries (the root and every subpath of `exports`, e.g.
// @objsel/deeplab-resnet/interactive) with `import` and `require`, and type-check both module
// kinds against them. First, every pending changeset must parse (a Markdown formatter once turned
// a frontmatter line into a heading, which `changeset version` would have rejected at release).
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, workspacePackages } from './packages.mjs';

const run = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const npm = (args, cwd) => run('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], cwd);

const parseChangeset = createRequire(import.meta.url)('@changesets/parse').default;
const changesetDir = path.join(ROOT, '.changeset');
for (const file of fs.readdirSync(changesetDir).filter((f) => f.endsWith('.md') && f !== 'README.md')) {
  try {
    const { releases } = parseChangeset(fs.readFileSync(path.join(changesetDir, file), 'utf8'));
    if (releases.length === 0) throw new Error('names no package');
  } catch (error) {
    throw new Error(`.changeset/${file}: not a valid changeset (${error.message.split('\n')[0]})`);
  }
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'objsel-release-dry-'));
const packs = path.join(work, 'tarballs');
fs.mkdirSync(packs);
const packages = workspacePackages();
const tarballs = new Map();
for (const pkg of packages) {
  if (!fs.existsSync(path.join(pkg.dir, 'dist'))) throw new Error(`${pkg.name} is not built: run npm run build first`);
  const [info] = JSON.parse(npm(['pack', '--json', '--pack-destination', packs], pkg.dir));
  tarballs.set(pkg.name, path.join(packs, info.filename));
  console.log(`packed ${info.filename} (${(info.size / 1024).toFixed(0)} kB, ${info.entryCount} files)`);
}
const overrides = Object.fromEntries([...tarballs].map(([name, file]) => [name, `file:${file}`]));
const tsc = path.join(ROOT, 'node_modules/typescript/bin/tsc');
const failures = [];
for (const pkg of packages) {
  const dir = path.join(work, pkg.name.replace('@objsel/', 'try-'));
  fs.mkdirSync(dir);
  fs.writeFileSync(
    path.join(dir, 'package.json'),
    JSON.stringify(
      { name: path.basename(dir), private: true, dependencies: { [pkg.name]: `file:${tarballs.get(pkg.name)}` }, overrides },
      null,
      2,
    ),
  );
  try {
    const started = Date.now();
    npm(['install', '--prefer-offline'], dir);
    const installed = fs.readdirSync(path.join(dir, 'node_modules/@objsel'));
    const tfInstalled = fs.existsSync(path.join(dir, 'node_modules/@tensorflow'));
    const isLeaf = JSON.parse(fs.readFileSync(path.join(ROOT, 'tools/boundaries.json'), 'utf8')).leaf.includes(pkg.name.slice(8));
    if (isLeaf && tfInstalled) throw new Error(`installing leaf ${pkg.name} pulled @tensorflow packages`);
    // Every entry a user can import: '.' and the subpaths of `exports` (not ./package.json).
    const specifiers = Object.keys(pkg.manifest.exports ?? { '.': null })
      .filter((key) => key !== './package.json')
      .map((key) => (key === '.' ? pkg.name : `${pkg.name}${key.slice(1)}`));
    const counts = [];
    for (const [k, specifier] of specifiers.entries()) {
      fs.writeFileSync(
        path.join(dir, `esm-${k}.mjs`),
        `import * as m from '${specifier}';\nif (Object.keys(m).length === 0) throw new Error('no exports');\nconsole.log(Object.keys(m).length);\n`,
      );
      fs.writeFileSync(
        path.join(dir, `cjs-${k}.cjs`),
        `const m = require('${specifier}');\nif (Object.keys(m).length === 0) throw new Error('no exports');\nconsole.log(Object.keys(m).length);\n`,
      );
      const nEsm = run(process.execPath, [`esm-${k}.mjs`], dir).trim();
      const nCjs = run(process.execPath, [`cjs-${k}.cjs`], dir).trim();
      if (nEsm !== nCjs) throw new Error(`${specifier}: import gives ${nEsm} exports, require gives ${nCjs}`);
      counts.push(`${specifier} ${nEsm}`);
      fs.writeFileSync(
        path.join(dir, `types-esm-${k}.mts`),
        `import * as m from '${specifier}';\nexport const names: Array<keyof typeof m> = [];\n`,
      );
      fs.writeFileSync(
        path.join(dir, `types-cjs-${k}.cts`),
        `import m = require('${specifier}');\nexport const names: Array<keyof typeof m> = [];\n`,
      );
    }
    run(
      process.execPath,
      [
        tsc,
        '--noEmit',
        '--strict',
        '--skipLibCheck',
        '--module',
        'node16',
        '--moduleResolution',
        'node16',
        '--types',
        'node',
        '--typeRoots',
        path.join(ROOT, 'node_modules/@types'),
        ...specifiers.flatMap((_, k) => [`types-esm-${k}.mts`, `types-cjs-${k}.cts`]),
      ],
      dir,
    );
    if (pkg.manifest.bin) {
      for (const bin of Object.keys(pkg.manifest.bin)) run(path.join(dir, 'node_modules/.bin', bin), ['--help'], dir);
    }
    console.log(
      `ok ${pkg.name}: installed alone (${installed.length} @objsel package(s)${isLeaf ? ', no TF.js' : ''}), import and require give the same exports (${counts.join(', ')}), types resolve (${((Date.now() - started) / 1000).toFixed(1)} s)`,
    );
  } catch (error) {
    failures.push(pkg.name);
    console.error(`FAIL ${pkg.name}: ${error.message}\n${error.stdout ?? ''}${error.stderr ?? ''}`);
  }
}
fs.rmSync(work, { recursive: true, force: true });
if (failures.length) {
  console.error(`release:dry failed for ${failures.join(', ')}`);
  process.exit(1);
}
console.log(`release:dry: ${packages.length} packages pack, install alone and load both ways`);
