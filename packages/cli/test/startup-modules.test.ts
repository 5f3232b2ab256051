/**
 * Short commands load only what they use: `objsel --help`, `objsel crf` and `objsel graphcut` on
 * PNG inputs never load TensorFlow.js (nor the Caffe importer's protobuf, nor sharp). Runs the
 * built CLI in child processes with tools/test/module-log.mjs, which logs every module a process
 * loads; needs `npm run build` first (`npm test` builds before testing).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeNpy } from '@objsel/voc-data';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '../../..');
const BIN = path.join(ROOT, 'packages/cli/bin/objsel.js');
const BUILT = existsSync(path.join(ROOT, 'packages/cli/dist/cli.js'));
if (!BUILT && process.env.CI) throw new Error('packages/cli/dist/cli.js is missing: npm test builds before testing');
const FIXTURES = process.env.OBJSEL_FIXTURES ?? path.resolve(ROOT, '../shared/fixtures');

/** The files and URLs of every module `objsel ...args` loads. */
function modulesLoadedBy(args: string[]): string[] {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'objsel-modules-'));
  const log = path.join(dir, 'modules.txt');
  const r = spawnSync(process.execPath, ['--import', path.join(ROOT, 'tools/test/module-log.mjs'), BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, OBJSEL_MODULE_LOG: log },
  });
  expect(r.status, r.stderr).toBe(0);
  return readFileSync(log, 'utf8').trim().split('\n');
}

const HEAVY = [
  /@tensorflow[\\/]/,
  /onnxruntime/,
  /[\\/]protobufjs[\\/]/,
  /[\\/]sharp[\\/]/,
  /[\\/]deeplab-resnet[\\/]/,
  /[\\/]dcsp[\\/]dist/,
];

describe.skipIf(!BUILT)('modules a short command loads', () => {
  it('the probe sees what a process loads (a command that uses the network stack loads TF.js)', () => {
    const modules = modulesLoadedBy(['doctor', '--backend', 'cpu', '--json']);
    expect(modules.some((m) => /@tensorflow[\\/]tfjs-core/.test(m))).toBe(true);
  });

  it('objsel --help: commander and the CLI itself, no command module', () => {
    const modules = modulesLoadedBy(['--help']);
    for (const heavy of [...HEAVY, /[\\/]voc-data[\\/]/, /[\\/]dense-crf[\\/]/, /[\\/]clicks[\\/]dist/]) {
      expect(modules.filter((m) => heavy.test(m))).toEqual([]);
    }
  });

  it('objsel crf (pydensecrf example) and objsel graphcut: no TF.js, no protobuf, no sharp, no PNG library', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'objsel-modules-'));
    const image = path.join(FIXTURES, 'pydensecrf/im1.png');
    const crf = modulesLoadedBy([
      'crf',
      '--image',
      image,
      '--labels',
      path.join(FIXTURES, 'pydensecrf/anno1.png'),
      '--out',
      path.join(dir, 'crf.png'),
      '-q',
    ]);
    expect(crf.some((m) => /[\\/]dense-crf[\\/]/.test(m))).toBe(true);
    const probs = path.join(dir, 'probs.npy');
    writeFileSync(probs, writeNpy({ shape: [240, 320], data: new Float32Array(240 * 320).map((_, i) => (i % 320) / 320) }));
    const graphcut = modulesLoadedBy(['graphcut', '--image', image, '--probs', probs, '--out', path.join(dir, 'gc.png'), '--quiet']);
    expect(graphcut.some((m) => /[\\/]clicks[\\/]/.test(m))).toBe(true);
    // voc-data writes PNGs itself (native zlib): no PNG library either.
    for (const heavy of [...HEAVY, /[\\/]fast-png[\\/]/]) {
      expect(crf.filter((m) => heavy.test(m))).toEqual([]);
      expect(graphcut.filter((m) => heavy.test(m))).toEqual([]);
    }
  });
});
