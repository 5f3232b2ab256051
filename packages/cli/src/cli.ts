#!/usr/bin/env node
import { stopQuietlyWhenStdoutCloses } from './closed-stdout';
import { main } from './program';

stopQuietlyWhenStdoutCloses();

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`objsel: ${String(error)}\n`);
    process.exitCode = 1;
  },
);
