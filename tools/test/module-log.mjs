// Preload (`node --import ./tools/test/module-log.mjs ...`) that appends the file of every module
// a process loads, ES modules and CommonJS alike, to the file OBJSEL_MODULE_LOG names; tests use
// it to check that a command never loads a package (e.g. `objsel crf` and @tensorflow/tfjs-core).
import { appendFileSync } from 'node:fs';
import Module, { register } from 'node:module';

const file = process.env.OBJSEL_MODULE_LOG;
if (file) {
  register('./module-log-hooks.mjs', import.meta.url, { data: { file } });
  const resolveFilename = Module._resolveFilename;
  Module._resolveFilename = function logged(...args) {
    const resolved = resolveFilename.apply(this, args);
    appendFileSync(file, `${resolved}\n`);
    return resolved;
  };
}
