#!/usr/bin/env node
// Bundles one of the TypeScript tools in tools/web-model (train.ts, adapt-eval.ts) for Node with
// Vite and runs it with the remaining flags:
//   node tools/web-model/run.mjs train --steps 800 --minutes 40
//   node tools/web-model/run.mjs adapt-eval --images 20
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from '../browser/aliases.mjs';
import { buildNodeEntry } from '../browser/build.mjs';

const [tool, ...args] = process.argv.slice(2);
const source = path.join(ROOT, 'tools/web-model', `${tool}.ts`);
if (!tool || !fs.existsSync(source)) {
  console.error('usage: node tools/web-model/run.mjs train|adapt-eval [flags]');
  process.exit(2);
}
const entry = await buildNodeEntry({ entry: source, outDir: path.join(ROOT, '.objsel-tmp/web-model', tool) });
const result = spawnSync(process.execPath, [entry, ...args], { cwd: ROOT, stdio: 'inherit' });
process.exit(result.status ?? 1);
