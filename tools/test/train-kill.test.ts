/**
 * `objsel train` killed with SIGKILL at arbitrary moments (mid-step, mid-checkpoint) always leaves
 * a loadable latest checkpoint, and `--resume` until done gives the uninterrupted run's weights
 * byte for byte, keeping as many checkpoints as the first run was told to. Runs the built CLI in
 * child processes (a real kill, not an exception), so it needs `npm run build` first; `npm test`
 * builds before testing.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeSyntheticDataset } from '@objsel/voc-data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '../..');
const CLI = path.join(ROOT, 'packages/cli/dist/cli.js');
const BUILT = existsSync(CLI);
if (!BUILT && process.env.CI) throw new Error(`${CLI} is missing: npm test builds before testing`);

const STEPS = 12;
let root: string;
let data: string;

function trainArgs(snapshots: string, extra: string[] = []): string[] {
  return [
    CLI,
    '--backend',
    'wasm',
    '--json',
    'train',
    '--data-dir',
    data,
    '--data-list',
    path.join(data, 'train.txt'),
    '--snapshot-dir',
    snapshots,
    '--from-scratch',
    '--depth',
    '50',
    '--blocks',
    '1,1,1,1',
    '--width-multiplier',
    '0.0625',
    '--aspp-rates',
    '1,2',
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
    '--random-scale',
    '--random-seed',
    '5',
    '--save-pred-every',
    '1',
    '--num-steps',
    String(STEPS),
    ...extra,
  ];
}

/**
 * Runs the CLI; with `kill`, SIGKILLs it `delayMs` after its progress reports update `step`
 * (a delay lands mid-step or mid-checkpoint). Resolves with the exit code (null when killed).
 */
function run(args: string[], kill?: { step: number; delayMs: number }): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let stdout = '';
    let timer: NodeJS.Timeout | undefined;
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.on('data', (d) => {
      stdout += d;
      if (!kill || timer) return;
      const reached = stdout
        .split('\n')
        .some((l) => l.includes('"type":"progress"') && l.includes('"task":"train"') && new RegExp(`"done":${kill.step}[,}]`).test(l));
      if (reached) timer = setTimeout(() => child.kill('SIGKILL'), kill.delayMs);
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

async function shards(dir: string): Promise<Buffer[]> {
  const names = (await fs.readdir(dir)).filter((f) => f.endsWith('.bin')).sort();
  return Promise.all(names.map((n) => fs.readFile(path.join(dir, n))));
}

/** The latest checkpoint named by checkpoint.json loads and runs (`objsel evaluate`), or there is none yet. */
function latestLoads(snapshots: string): boolean | 'none' {
  if (!existsSync(path.join(snapshots, 'checkpoint.json'))) return 'none';
  const r = spawnSync(
    process.execPath,
    [CLI, '--backend', 'wasm', '--json', 'evaluate', '--data-dir', data, '--data-list', path.join(data, 'val.txt'), '--weights', snapshots],
    { encoding: 'utf8' },
  );
  return r.status === 0;
}

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'objsel-train-kill-'));
  data = path.join(root, 'data');
  await makeSyntheticDataset(
    { count: 6, seed: 3, width: 40, height: 40, classes: 2, minSize: 12, maxSize: 24, sbd: false },
    async (p, bytes) => {
      await fs.mkdir(path.dirname(path.join(data, p)), { recursive: true });
      await fs.writeFile(path.join(data, p), bytes);
    },
  );
});

afterAll(async () => {
  if (root) await fs.rm(root, { recursive: true, force: true });
});

describe.skipIf(!BUILT)('objsel train under SIGKILL', () => {
  it('resuming after kills at arbitrary moments reproduces the uninterrupted run byte for byte', { timeout: 600_000 }, async () => {
    const straightDir = path.join(root, 'straight');
    const straight = await run(trainArgs(straightDir));
    expect(straight.code, straight.stderr).toBe(0);

    // Kills after updates 2, 5, 7 and 10, a few milliseconds later (inside the next step or the
    // checkpoint being written), resuming each time; the last run completes.
    const killedDir = path.join(root, 'killed');
    const plan = [
      { step: 2, delayMs: 0 },
      { step: 5, delayMs: 15 },
      { step: 7, delayMs: 40 },
      { step: 10, delayMs: 90 },
    ];
    let killed = 0;
    for (const [i, kill] of [...plan, undefined].entries()) {
      // --keep is given to the first run only: the resumed runs keep what it recorded (3, not the default 10).
      const result = await run(trainArgs(killedDir, i === 0 ? ['--resume', '--keep', '3'] : ['--resume']), kill);
      if (!kill) {
        expect(result.code, result.stderr).toBe(0);
        break;
      }
      expect(result.code, result.stderr).toBeNull(); // killed, not failed
      killed += 1;
      expect(latestLoads(killedDir), `after the kill at update ${kill.step}`).toBe(true);
    }
    expect(killed).toBe(plan.length);
    const checkpoint = JSON.parse(await fs.readFile(path.join(killedDir, 'checkpoint.json'), 'utf8'));
    expect(checkpoint.latest).toBe(`ckpt-${STEPS}`);
    const kept = (await fs.readdir(killedDir)).filter((n) => n.startsWith('ckpt-'));
    expect(kept.sort()).toEqual([`ckpt-${STEPS - 2}`, `ckpt-${STEPS - 1}`, `ckpt-${STEPS}`].sort());
    const a = await shards(path.join(straightDir, `ckpt-${STEPS}`));
    const b = await shards(path.join(killedDir, `ckpt-${STEPS}`));
    expect(a.length).toBeGreaterThan(0);
    expect(b.length).toBe(a.length);
    a.forEach((buf, i) => {
      expect(Buffer.compare(buf, b[i]!), `shard ${i}`).toBe(0);
    });
  });
});
