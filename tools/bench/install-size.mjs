#!/usr/bin/env node
// What a user downloads (issue 16): every workspace package packed (npm pack, after npm run
// build) and installed alone into an empty project the way a user installs it
// (`npm install --omit=dev`, its @objsel dependencies from their tarballs, everything else from
// the registry), then the bytes of its node_modules (the sum of file sizes; `du -sb` adds directories on top) and
// the biggest installed packages. Peer dependencies npm installs by itself (non-optional ones)
// are counted; optional peers (tfjs-node, webgpu, onnxruntime-node) are not installed.
//
// `node tools/bench/install-size.mjs [@objsel/cli ...]` (default: every package). Prints one
// JSON object: { "<package>": { bytes, packages, largest: [[name, bytes], ...] } }.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { workspacePackages } from '../packages.mjs';

const TOP = 8;
const npm = (args, cwd) =>
  execFileSync('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });

/** Bytes of every regular file under `dir` (symlinks not followed). */
function bytesUnder(dir) {
  let total = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) total += bytesUnder(full);
    else if (entry.isFile()) total += fs.statSync(full).size;
  }
  return total;
}

/** `[name, bytes]` of every installed package (scoped ones as `@scope/name`, nested ones too). */
function installedPackages(nodeModules, found = []) {
  for (const entry of fs.readdirSync(nodeModules, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name === '.bin' || entry.name === '.cache') continue;
    const full = path.join(nodeModules, entry.name);
    if (entry.name.startsWith('@')) {
      for (const scoped of fs.readdirSync(full, { withFileTypes: true })) {
        if (scoped.isDirectory()) found.push([`${entry.name}/${scoped.name}`, packageBytes(path.join(full, scoped.name), found)]);
      }
    } else if (!entry.name.startsWith('.')) {
      found.push([entry.name, packageBytes(full, found)]);
    }
  }
  return found;
}

/** A package's own bytes (its nested node_modules listed separately, not counted twice). */
function packageBytes(dir, found) {
  let total = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.name === 'node_modules' && entry.isDirectory()) installedPackages(full, found);
    else if (entry.isDirectory()) total += bytesUnder(full);
    else if (entry.isFile()) total += fs.statSync(full).size;
  }
  return total;
}

const all = workspacePackages();
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const unknown = wanted.filter((w) => !all.some((p) => p.name === w));
if (unknown.length) {
  console.error(`unknown package(s) ${unknown.join(', ')}; available: ${all.map((p) => p.name).join(', ')}`);
  process.exit(2);
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'objsel-install-size-'));
const packs = path.join(work, 'tarballs');
fs.mkdirSync(packs);
const tarballs = new Map();
for (const pkg of all) {
  if (!fs.existsSync(path.join(pkg.dir, 'dist'))) throw new Error(`${pkg.name} is not built: run npm run build first`);
  const [info] = JSON.parse(npm(['pack', '--json', '--pack-destination', packs], pkg.dir));
  tarballs.set(pkg.name, path.join(packs, info.filename));
}
const overrides = Object.fromEntries([...tarballs].map(([name, file]) => [name, `file:${file}`]));
const results = {};
try {
  for (const pkg of all.filter((p) => wanted.length === 0 || wanted.includes(p.name))) {
    process.stderr.write(`installing ${pkg.name} ...\n`);
    const dir = path.join(work, pkg.name.replace('@objsel/', 'try-'));
    fs.mkdirSync(dir);
    const manifest = { name: path.basename(dir), private: true, dependencies: { [pkg.name]: `file:${tarballs.get(pkg.name)}` }, overrides };
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(manifest, null, 2));
    npm(['install', '--omit=dev', '--prefer-offline'], dir);
    const nodeModules = path.join(dir, 'node_modules');
    const packages = installedPackages(nodeModules).sort((a, b) => b[1] - a[1]);
    results[pkg.name] = { bytes: bytesUnder(nodeModules), packages: packages.length, largest: packages.slice(0, TOP) };
    fs.rmSync(dir, { recursive: true, force: true });
  }
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
console.log(JSON.stringify(results, null, 2));
