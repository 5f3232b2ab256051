#!/usr/bin/env node
// Runs publint --strict on every package (after the build); exits 1 if any reports a problem.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { ROOT, workspacePackages } from './packages.mjs';

let failed = 0;
for (const pkg of workspacePackages()) {
  try {
    const out = execFileSync(process.execPath, [path.join(ROOT, 'node_modules/publint/src/cli.js'), '--strict', pkg.dir], {
      encoding: 'utf8',
    });
    process.stdout.write(out.includes('All good') ? `${pkg.name}: publint clean\n` : out);
  } catch (error) {
    failed++;
    process.stdout.write(error.stdout ?? '');
    process.stderr.write(error.stderr ?? '');
  }
}
if (failed) {
  console.error(`publint: ${failed} package(s) with problems`);
  process.exit(1);
}
