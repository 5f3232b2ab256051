/**
 * The CLI depends on @tensorflow/tfjs-core and its backends, not on @tensorflow/tfjs (issue 16):
 * it registers tfjs-core's gradients and chained ops itself (src/tfjs-registrations.ts, bundled
 * by the build). The vitest projects load @tensorflow/tfjs in their setup, so this runs the built
 * CLI in child processes, with @tensorflow/tfjs preloaded as the reference: the same gradients
 * registered, and a training run that loads no TF.js package but tfjs-core and a backend gives the
 * same losses and byte-identical weights. Needs `npm run build` first.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, promises as fs, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeSyntheticDataset } from '@objsel/voc-data';
import { beforeAll, describe, expect, it } from 'vitest';
import { TINY_NETWORK } from './capture';

const ROOT = path.resolve(__dirname, '../../..');
const BIN = path.join(ROOT, 'packages/cli/bin/objsel.js');
const BUILT = existsSync(path.join(ROOT, 'packages/cli/dist/cli.js'));
if (!BUILT && process.env.CI) throw new Error('packages/cli/dist/cli.js is missing: npm test builds before testing');
const GRADIENT_LOG = path.join(__dirname, 'fixtures/gradient-log.cjs');
const MODULE_LOG = path.join(ROOT, 'tools/test/module-log.mjs');
/** What @tensorflow/tfjs adds to tfjs-core; the CLI must load none of it. */
const FULL_TFJS = /@tensorflow[\\/](tfjs|tfjs-layers|tfjs-converter|tfjs-data|tfjs-backend-webgl)[\\/]/;

let root: string;

/** Runs `node [preload] objsel ...args` in `root`; returns stdout. */
function objsel(nodeArgs: string[], args: string[], env: Record<string, string> = {}): string {
  const r = spawnSync(process.execPath, [...nodeArgs, BIN, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env } });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

/** The kernels with a registered gradient after `node ...nodeArgs` runs. */
function gradientsAfter(nodeArgs: string[], name: string): string[] {
  const log = path.join(root, `${name}.json`);
  const r = spawnSync(process.execPath, ['--require', GRADIENT_LOG, ...nodeArgs], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, OBJSEL_GRADIENT_LOG: log },
  });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(readFileSync(log, 'utf8')) as string[];
}

beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'objsel-tfjs-core-'));
  await makeSyntheticDataset(
    { count: 6, seed: 3, width: 40, height: 40, classes: 2, minSize: 12, maxSize: 24, sbd: false },
    async (p, bytes) => {
      await fs.mkdir(path.dirname(path.join(root, 'data', p)), { recursive: true });
      await fs.writeFile(path.join(root, 'data', p), bytes);
    },
  );
  return () => fs.rm(root, { recursive: true, force: true });
});

describe.skipIf(!BUILT)('the CLI on tfjs-core alone', () => {
  it('registers every gradient @tensorflow/tfjs registers', () => {
    const bare = gradientsAfter(['-e', '0'], 'bare');
    const reference = gradientsAfter(['--require', '@tensorflow/tfjs', '-e', '0'], 'tfjs');
    const cli = gradientsAfter([BIN, 'doctor', '--backend', 'cpu', '--json'], 'cli');
    // The probe can fail: tfjs-core alone registers none, @tensorflow/tfjs well over a hundred.
    expect(bare).toEqual([]);
    expect(reference.length).toBeGreaterThan(100);
    expect(reference).toContain('Conv2D');
    expect(reference).toContain('FusedBatchNorm');
    expect(reference).toContain('ResizeBilinear');
    expect(cli).toEqual(reference);
  });

  it('trains without @tensorflow/tfjs: same losses and weights as with it', () => {
    const train = (snapshots: string) => [
      'train',
      '--backend',
      'cpu',
      '--json',
      '--data-dir',
      path.join(root, 'data'),
      '--data-list',
      path.join(root, 'data/train.txt'),
      '--snapshot-dir',
      path.join(root, snapshots),
      ...TINY_NETWORK,
      '--num-classes',
      '3',
      '--input-size',
      '33,33',
      '--batch-size',
      '2',
      '--learning-rate',
      '0.01',
      '--is-training',
      '--random-mirror',
      '--num-steps',
      '3',
      '--random-seed',
      '1',
    ];
    const losses = (stdout: string) =>
      stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { type: string; metrics?: { loss: number } })
        .filter((e) => e.type === 'progress' && e.metrics)
        .map((e) => e.metrics!.loss);

    const moduleLog = path.join(root, 'modules.txt');
    const alone = losses(objsel(['--import', MODULE_LOG], train('alone'), { OBJSEL_MODULE_LOG: moduleLog }));
    const modules = readFileSync(moduleLog, 'utf8').trim().split('\n');
    expect(modules.some((m) => /@tensorflow[\\/]tfjs-core[\\/]/.test(m))).toBe(true);
    expect(modules.filter((m) => FULL_TFJS.test(m))).toEqual([]);

    const reference = losses(objsel(['--require', '@tensorflow/tfjs'], train('reference')));
    expect(alone).toHaveLength(3);
    for (const loss of alone) expect(Number.isFinite(loss)).toBe(true);
    expect(alone).toEqual(reference);
    const shard = (dir: string) => readFileSync(path.join(root, dir, 'ckpt-3/group1-shard1of1.bin'));
    expect(Buffer.compare(shard('alone'), shard('reference'))).toBe(0);
  });
});
