/**
 * Issue 15, defect 3: commands that write several files, killed while writing. The built CLI runs
 * in a child process; when its first temporary appears (seen through fs.watch) the child is
 * stopped (SIGSTOP), the temporary is confirmed on disk, and the child gets SIGTERM (then must
 * remove its temporaries and exit 143) or SIGKILL (its temporaries, named with its pid, stay, and
 * the next writing run in that directory removes them). Needs `npm run build` first.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { encodeCaffemodel, parsePrototxt, syntheticLayers } from '@objsel/caffe-import';
import { encodePng, makeSyntheticDataset } from '@objsel/voc-data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '../../../tools/test/fixtures';
import { parseTemporaryName } from '../src/staged-outputs';
import { TINY_NETWORK } from './capture';
import { treePaths } from './tree-snapshot';

const ROOT = path.resolve(__dirname, '../../..');
const CLI = path.join(ROOT, 'packages/cli/dist/cli.js');
const BUILT = fs.existsSync(CLI);
if (!BUILT && process.env.CI) throw new Error(`${CLI} is missing: npm test builds before testing`);

let root: string;
let prototxt: string;
let caffemodel: string;
let weights: string;
let data: string;
const images: string[] = [];

/** The real deploy.prototxt with 1/8 of the channels: a few MB of weights, many tensors. */
const reduced = fs
  .readFileSync(fixture('deeplab/deploy.prototxt'), 'utf8')
  .replace(/num_output:\s*(\d+)/g, (m, n: string) => (n === '21' ? m : `num_output: ${Number(n) / 8}`));

interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  /** The temporaries in the watched directory when the child was stopped. */
  temps: string[];
  pid: number;
}

function isTemp(name: string): boolean {
  return parseTemporaryName(name) !== undefined;
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => child.on('exit', () => resolve()));
}

/**
 * Runs the CLI and sends `signal` while a temporary matching `match` exists in `watchDir`.
 * Retries (up to 5 runs) when the child had already renamed its temporaries when stopped.
 */
async function killWhileWriting(args: string[], watchDir: string, signal: 'SIGTERM' | 'SIGKILL', match = isTemp): Promise<Outcome> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const child = spawn(process.execPath, [CLI, '--backend', 'wasm', '-q', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    let temps: string[] = [];
    let sent = false;
    const watcher = fs.watch(watchDir, (_event, name) => {
      if (sent || !name || !match(String(name))) return;
      child.kill('SIGSTOP');
      temps = fs.readdirSync(watchDir).filter(match);
      if (temps.length === 0) {
        child.kill('SIGCONT'); // renamed already: let it finish, try again
        return;
      }
      sent = true;
      child.kill(signal);
      if (signal !== 'SIGKILL') child.kill('SIGCONT');
    });
    const done = exited(child);
    await done;
    watcher.close();
    if (sent) return { code: child.exitCode, signal: child.signalCode, stderr, temps, pid: child.pid! };
    // Not caught mid-write: undo the finished run's outputs before trying again.
    for (const name of fs.readdirSync(watchDir))
      if (!before.get(watchDir)?.has(name)) fs.rmSync(path.join(watchDir, name), { recursive: true, force: true });
  }
  throw new Error(`never caught objsel ${args.join(' ')} while it wrote`);
}

/** What each watched directory held before a case, so retries can undo a finished run. */
const before = new Map<string, Set<string>>();
function remember(dir: string): void {
  before.set(dir, new Set(fs.readdirSync(dir)));
}

function runToEnd(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, '--backend', 'wasm', '-q', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stderr }));
  });
}

const temporariesIn = (dir: string) => treePaths(dir).filter((p) => isTemp(path.basename(p)));

beforeAll(async () => {
  if (!BUILT) return;
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'objsel-kill-'));
  prototxt = path.join(root, 'deploy.prototxt');
  fs.writeFileSync(prototxt, reduced);
  caffemodel = path.join(root, 'model.caffemodel');
  fs.writeFileSync(caffemodel, encodeCaffemodel(syntheticLayers(parsePrototxt(reduced), { seed: 3 }), { name: 'small' }));
  weights = path.join(root, 'weights');
  const r = await runToEnd(['convert', '--prototxt', prototxt, '--caffemodel', caffemodel, '--out', weights]);
  expect(r.code, r.stderr).toBe(0);
  for (const [i, name] of ['a', 'b', 'c'].entries()) {
    const [w, h] = [160, 120];
    const rgb = new Uint8Array(w * h * 3).map((_, k) => (k * (7 + i)) % 256);
    images.push(path.join(root, `${name}.png`));
    fs.writeFileSync(images[i]!, encodePng({ width: w, height: h, channels: 3, data: rgb }));
  }
  data = path.join(root, 'data');
  await makeSyntheticDataset(
    { count: 4, seed: 2, width: 40, height: 36, classes: 2, minSize: 14, maxSize: 22, sbd: false },
    async (p, bytes) => {
      fs.mkdirSync(path.dirname(path.join(data, p)), { recursive: true });
      fs.writeFileSync(path.join(data, p), bytes);
    },
  );
}, 300_000);
afterAll(() => {
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

/** Each command: its arguments writing under `dir`, the directory its temporaries appear in, and its outputs when it completes. */
interface KillCase {
  name: string;
  args: (dir: string) => string[];
  watch: (dir: string) => string;
  /** Directories the case needs before it runs. */
  prepare?: (dir: string) => void;
  match?: (name: string) => boolean;
  /** Files the complete run leaves (relative to `dir`), checked after the rerun. */
  outputs: string[];
}

const CASES: KillCase[] = [
  {
    name: 'convert (a weights directory of many shards)',
    args: (dir) => ['convert', '--prototxt', prototxt, '--caffemodel', caffemodel, '--out', path.join(dir, 'w'), '--shard-mb', '0.01'],
    watch: (dir) => dir,
    outputs: ['w/model.json'],
  },
  {
    name: 'export --to tf-checkpoint (index and data files)',
    args: (dir) => ['export', '--weights', weights, '--to', 'tf-checkpoint', '--out', path.join(dir, 'model.ckpt')],
    watch: (dir) => dir,
    outputs: ['model.ckpt.data-00000-of-00001', 'model.ckpt.index'],
  },
  {
    name: 'infer with three images (masks, overlays, logits)',
    args: (dir) => [
      'infer',
      ...images,
      '--weights',
      weights,
      '--save-dir',
      path.join(dir, 'o'),
      '--save-logits',
      path.join(dir, 'o', 'l.npy'),
    ],
    prepare: (dir) => fs.mkdirSync(path.join(dir, 'o')),
    watch: (dir) => path.join(dir, 'o'),
    outputs: ['o/a_mask.png', 'o/c_overlay.png', 'o/l_b.npy'],
  },
  {
    name: 'train (checkpoints, metrics, pictures)',
    args: (dir) => [
      'train',
      '--data-dir',
      data,
      '--data-list',
      path.join(data, 'train.txt'),
      '--snapshot-dir',
      path.join(dir, 'snap'),
      ...TINY_NETWORK,
      '--input-size',
      '32,32',
      '--batch-size',
      '1',
      '--num-steps',
      '2',
      '--save-pred-every',
      '1',
    ],
    prepare: (dir) => fs.mkdirSync(path.join(dir, 'snap')),
    watch: (dir) => path.join(dir, 'snap'),
    match: (name) => isTemp(name) && name.startsWith('.ckpt-1.'),
    outputs: ['snap/checkpoint.json', 'snap/ckpt-2/model.json'],
  },
];

describe.skipIf(!BUILT)('killed while writing', () => {
  for (const c of CASES) {
    describe(c.name, () => {
      it('SIGTERM: removes its temporaries and exits 143', async () => {
        const dir = fs.mkdtempSync(path.join(root, 'term-'));
        c.prepare?.(dir);
        remember(c.watch(dir));
        const r = await killWhileWriting(c.args(dir), c.watch(dir), 'SIGTERM', c.match);
        expect(r.temps.length, r.stderr).toBeGreaterThan(0);
        expect(r.code, r.stderr).toBe(143);
        expect(temporariesIn(dir)).toEqual([]);
        // Nothing of the run's own outputs appeared either (train: no checkpoint was complete).
        for (const out of c.outputs) expect(fs.existsSync(path.join(dir, out)), out).toBe(false);
      });

      it('SIGKILL: its temporaries carry its pid; the next run in that directory removes them and completes', async () => {
        const dir = fs.mkdtempSync(path.join(root, 'kill-'));
        c.prepare?.(dir);
        remember(c.watch(dir));
        const r = await killWhileWriting(c.args(dir), c.watch(dir), 'SIGKILL', c.match);
        expect(r.signal).toBe('SIGKILL');
        const left = fs.readdirSync(c.watch(dir)).filter(isTemp);
        expect(left.length).toBeGreaterThan(0);
        for (const name of left) expect(parseTemporaryName(name)?.pid).toBe(r.pid);
        const again = await runToEnd(c.args(dir));
        expect(again.code, again.stderr).toBe(0);
        expect(temporariesIn(dir)).toEqual([]);
        for (const out of c.outputs) expect(fs.existsSync(path.join(dir, out)), out).toBe(true);
      });
    });
  }
});
