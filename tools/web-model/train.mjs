#!/usr/bin/env node
// Bundles tools/web-model/train.ts (TypeScript + @objsel sources) for Node with Vite and runs
// it with the given flags: `node tools/web-model/train.mjs --steps 600 --minutes 8`.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ROOT } from '../browser/aliases.mjs';
import { buildNodeEntry } from '../browser/build.mjs';

const entry = await buildNodeEntry({ entry: path.join(ROOT, 'tools/web-model/train.ts'), outDir: path.join(ROOT, '.objsel-tmp/web-model') });
const result = spawnSync(process.execPath, [entry, ...process.argv.slice(2)], { cwd: ROOT, stdio: 'inherit' });
process.exit(result.status ?? 1);
