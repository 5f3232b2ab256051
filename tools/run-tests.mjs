#!/usr/bin/env node
// Runs the vitest suite and ends with the plain closing line CI reads: "Tests: N passed, M failed".
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from './packages.mjs';

const report = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'objsel-vitest-')), 'report.json');
const args = [
  path.join(ROOT, 'node_modules/vitest/vitest.mjs'),
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${report}`,
  ...process.argv.slice(2),
];
const result = spawnSync(process.execPath, args, { cwd: ROOT, stdio: 'inherit' });
let summary = 'Tests: 0 passed, 0 failed';
if (fs.existsSync(report)) {
  const r = JSON.parse(fs.readFileSync(report, 'utf8'));
  const skipped = r.numPendingTests + r.numTodoTests;
  summary = `Tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed${skipped ? `, ${skipped} skipped` : ''}`;
}
console.log(summary);
process.exit(result.status ?? 1);
