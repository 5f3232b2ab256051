#!/usr/bin/env node
// Runs the benchmarks one after another (all, or those named: `npm run bench -- dense-crf clicks`)
// against the built packages and prints one JSON object: { "<bench>": <its JSON>, ... }.
// Each benchmark is a script here that prints a single JSON object on stdout.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = path.dirname(fileURLToPath(import.meta.url));
const all = fs
  .readdirSync(dir)
  .filter((f) => f.endsWith('.mjs') && f !== 'run.mjs')
  .map((f) => f.slice(0, -4))
  .sort();
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const unknown = wanted.filter((w) => !all.includes(w));
if (unknown.length) {
  console.error(`unknown benchmark(s) ${unknown.join(', ')}; available: ${all.join(', ')}`);
  process.exit(2);
}
const results = {};
let failed = 0;
for (const name of wanted.length ? wanted : all) {
  process.stderr.write(`bench ${name} ...\n`);
  const r = spawnSync(process.execPath, [path.join(dir, `${name}.mjs`)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 << 20,
  });
  try {
    results[name] = JSON.parse(r.stdout.trim().split('\n').filter(Boolean).pop() ?? '');
  } catch {
    failed++;
    results[name] = { error: `exit ${r.status}, no JSON on stdout` };
  }
}
console.log(JSON.stringify(results, null, 2));
process.exit(failed ? 1 : 0);
