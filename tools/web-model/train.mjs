#!/usr/bin/env node
// Trains the web example's model: `node tools/web-model/train.mjs --steps 800 --minutes 40`
// (the same as `node tools/web-model/run.mjs train ...`).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const result = spawnSync(process.execPath, [path.join(here, 'run.mjs'), 'train', ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(result.status ?? 1);
