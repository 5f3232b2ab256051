#!/usr/bin/env node
// The `objsel` command. This file is committed, unlike dist/, so that `npm install` links the bin
// in a fresh clone before anything is built; it loads the build, or says how to make it.
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli.js', import.meta.url);
if (existsSync(cli)) {
  await import(cli.href);
} else {
  process.stderr.write('objsel: the CLI is not built yet: run `npm run build` in the objsel repository first\n');
  process.exitCode = 2;
}
