#!/usr/bin/env node
import { main } from './program';

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`objsel: ${String(error)}\n`);
    process.exitCode = 1;
  },
);
