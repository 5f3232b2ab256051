#!/usr/bin/env node
// README commands that run: every ```sh / ```bash block of README.md and packages/*/README.md is
// run as written, with bash, in a scratch directory laid out like a user's (`npm run build` first).
// `objsel` and `npx objsel` are the repository's bin (node_modules/.bin on PATH, as after
// `npm install -g @objsel/cli`), HOME is the scratch home (so `~/datasets/...` exists), and the
// file names the READMEs use stand for small real files made here (see STAND_INS): fixture
// photos, tiny seeded-random weights of each kind, tiny datasets in each layout. Every command
// must exit 0 and write the outputs it names (--out, --save-dir, `> file`, ...).
//
// Markers, HTML comments on the lines right above a block (visible in the README's source):
//   <!-- not-run: REASON -->              the block is not run (REASON is listed in the summary)
//   <!-- not-run "TEXT": REASON -->       commands of the block containing TEXT are not run
//   <!-- exit N: "TEXT" -->               commands containing TEXT must exit N (a documented error)
// ```console blocks are illustrative output and never run.
//
//   node tools/readme-commands.mjs [--list] [README.md ...]
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { extractBlocks, namedOutputs, readMarkers, splitCommands } from './readme-blocks.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SCRATCH = path.join(ROOT, '.objsel-tmp', 'readme-commands');
const FIXTURES = process.env.OBJSEL_FIXTURES ?? path.resolve(ROOT, '../shared/fixtures');
const SHELLS = new Set(['sh', 'bash', 'shell']);
/** Seconds one block may run. */
const BLOCK_TIMEOUT = 240;

/** The READMEs to run: the root one and every package's. */
function readmes() {
  const list = [path.join(ROOT, 'README.md')];
  for (const dir of readdirSync(path.join(ROOT, 'packages')).sort()) list.push(path.join(ROOT, 'packages', dir, 'README.md'));
  return list.filter((f) => existsSync(f));
}

const quote = (s) => `'${s.replace(/'/g, `'\\''`)}'`;

/** One block as a bash script: each command tagged with its README line, outputs checked after it. */
function blockScript(block, rel, markers, skipped) {
  const lines = [`set -e`, `trap 'echo "readme-commands: ${rel}:$__line failed (exit $?)" >&2' ERR`];
  for (const command of splitCommands(block.code)) {
    const line = block.line + 1 + command.offset;
    const skip = markers.skipCommands.find((s) => command.text.includes(s.text));
    if (skip) {
      skipped.push({ where: `${rel}:${line}`, command: command.text.split('\n')[0], reason: skip.reason });
      continue;
    }
    const exit = markers.exits.find((e) => command.text.includes(e.text));
    lines.push(`__line=${line}`);
    if (exit) {
      lines.push(`set +e; trap - ERR`, command.text, `__rc=$?; set -e`);
      lines.push(`trap 'echo "readme-commands: ${rel}:$__line failed (exit $?)" >&2' ERR`);
      lines.push(
        `if [ "$__rc" != ${exit.code} ]; then echo "readme-commands: ${rel}:${line} exited $__rc, the README says ${exit.code}" >&2; exit 1; fi`,
      );
      continue;
    }
    lines.push(command.text);
    for (const out of namedOutputs(command.text)) {
      const target = out.startsWith('~/') ? `"$HOME"/${quote(out.slice(2))}` : quote(out);
      // A TensorFlow checkpoint is a prefix: X.index and X.data-*. With several images, a per-image
      // flag writes <stem>_<name><ext> (packages/cli/src/per-image-file.ts).
      const dot = out.lastIndexOf('.');
      const perImage =
        dot > out.lastIndexOf('/') && !out.startsWith('~/')
          ? ` || compgen -G ${quote(out.slice(0, dot))}_*${quote(out.slice(dot))} >/dev/null`
          : '';
      lines.push(
        `[ -e ${target} ] || [ -e ${target}.index ]${perImage} || { echo "readme-commands: ${rel}:${line} did not write ${out}" >&2; exit 1; }`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

const argv = process.argv.slice(2);
const listOnly = argv.includes('--list');
const chosen = argv.filter((a) => !a.startsWith('--')).map((f) => path.resolve(f));
const files = chosen.length > 0 ? chosen : readmes();

const runs = [];
const skipped = [];
for (const file of files) {
  const rel = path.relative(ROOT, file);
  for (const block of extractBlocks(readFileSync(file, 'utf8'), SHELLS)) {
    const where = `${rel}:${block.line}`;
    const markers = readMarkers(block.markers, where);
    if (markers.skip) {
      skipped.push({ where, command: splitCommands(block.code)[0]?.text.split('\n')[0] ?? '', reason: markers.skip });
      continue;
    }
    runs.push({ file, rel, where, script: blockScript(block, rel, markers, skipped) });
  }
}
if (listOnly) {
  for (const r of runs) console.log(`run\t${r.where}`);
  for (const s of skipped) console.log(`skip\t${s.where}\t${s.reason}\t${s.command}`);
  process.exit(0);
}

const { STAND_INS, prepareStandIns } = await import('./readme-stand-ins.mjs');
rmSync(SCRATCH, { recursive: true, force: true });
mkdirSync(SCRATCH, { recursive: true });
const started = performance.now();
const standIns = path.join(SCRATCH, 'stand-ins');
await prepareStandIns(standIns, { root: ROOT, fixtures: FIXTURES });
for (const [name, what] of Object.entries(STAND_INS)) console.log(`  ${name}: ${what}`);
console.log(`readme-commands: stand-ins ready in ${((performance.now() - started) / 1000).toFixed(1)} s`);

let failed = 0;
const workOf = new Map();
for (const r of runs) {
  // One working directory per README, its blocks run in order (a later block may use an earlier one's output).
  if (!workOf.has(r.file)) {
    const base = path.join(SCRATCH, path.dirname(r.rel).replace(/[^\w-]+/g, '-'));
    const work = path.join(base, 'work');
    cpSync(path.join(standIns, 'work'), work, { recursive: true, verbatimSymlinks: true });
    cpSync(path.join(standIns, 'home'), path.join(base, 'home'), { recursive: true, verbatimSymlinks: true });
    // `../shared/fixtures` as beside a checkout.
    symlinkSync(path.dirname(FIXTURES), path.join(base, 'shared'));
    workOf.set(r.file, { work, home: path.join(base, 'home') });
  }
  const { work, home } = workOf.get(r.file);
  const t0 = performance.now();
  // GNU timeout stops the whole process group: a command left running (a server) goes with bash.
  const result = spawnSync('timeout', ['--kill-after=10', String(BLOCK_TIMEOUT), 'bash', '-c', r.script], {
    cwd: work,
    encoding: 'utf8',
    env: {
      ...process.env,
      HOME: home,
      PATH: `${path.join(ROOT, 'node_modules', '.bin')}${path.delimiter}${process.env.PATH}`,
      OBJSEL_WASM_THREADS: '1',
      npm_config_yes: 'false',
    },
  });
  const seconds = ((performance.now() - t0) / 1000).toFixed(1);
  if (result.status === 0) console.log(`  ok   ${r.where} (${seconds} s)`);
  else {
    failed++;
    const why = result.error
      ? result.error.message
      : result.status === 124
        ? `timed out after ${BLOCK_TIMEOUT} s`
        : `exit ${result.status ?? result.signal}`;
    console.error(
      `  FAIL ${r.where} (${why}, ${seconds} s)\n${`${result.stdout}${result.stderr}`.trim().slice(-3000).replace(/^/gm, '       ')}`,
    );
  }
}
console.log(`readme-commands: not run (${skipped.length}):`);
for (const s of skipped) console.log(`  skip ${s.where} ${s.command.slice(0, 70)} — ${s.reason}`);
console.log(`readme-commands: ${runs.length} blocks in ${((performance.now() - started) / 1000).toFixed(1)} s`);
if (failed > 0) {
  console.error(`readme-commands: ${failed} block(s) failed`);
  process.exit(1);
}
console.log('readme-commands: every runnable command ran as written');
