/**
 * `objsel submit noc` with a real `objsel worker` process (the built CLI) on a real redis-server:
 * one object per item, the run's report equal to the single-process `objsel noc` (every figure
 * and per-object entry; timings are measured), and `objsel merge noc` of the run directory the same.
 * Run by `npm run test:queue`; skipped in `test:unit`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeWeightsDir } from '@objsel/caffe-import/node';
import { DeepLabResNet } from '@objsel/deeplab-resnet';
import { interactiveConfig } from '@objsel/deeplab-resnet/interactive';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lastJson, run } from './capture';
import { withoutTimings } from './noc-fixtures';
import { hasRedisServer, type RedisServer, startRedis } from './redis-server';

const CLI = path.resolve(__dirname, '../dist/cli.js');
const enabled = process.env.OBJSEL_QUEUE_TESTS === '1';
if (enabled && !hasRedisServer()) throw new Error('the queue tests need /usr/bin/redis-server: bash tools/setup-system.sh installs it');
if (enabled && !fs.existsSync(CLI)) throw new Error('the queue tests run the built CLI: npm run build first');

let dir: string;
let redis: RedisServer;
let worker: ChildProcess;
const log: string[] = [];

describe.skipIf(!enabled)('objsel submit noc on a real Redis', () => {
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'objsel-queue-noc-'));
    redis = await startRedis();
    worker = spawn(process.execPath, [CLI, 'worker', '--redis', redis.url, '--queue', 'noc', '--backend', 'wasm', '--json'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    worker.stdout!.on('data', (b: Buffer) => log.push(b.toString()));
    worker.stderr!.on('data', (b: Buffer) => log.push(b.toString()));
  });
  afterAll(async () => {
    if (worker?.exitCode === null) worker.kill('SIGKILL');
    await redis?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('the queued run reports the single process: NoC, failures, curves and per-object entries; merge of its directory too', async () => {
    const data = path.join(dir, 'synth');
    const made = await run('data', 'make-synthetic', '--out', data, '--count', '3', '--width', '48', '--height', '40');
    expect(made.code, made.err).toBe(0);
    const network = DeepLabResNet.create(interactiveConfig(50, { blocks: [1, 1, 1, 1], widthMultiplier: 0.0625 }), { seed: 13 });
    const weights = path.join(dir, 'interactive');
    await writeWeightsDir(weights, await network.toWeightEntries(), network.meta());
    network.dispose();
    const args = ['--data-dir', data, '--data-list', path.join(data, 'train.txt'), '--weights', weights, '--max-clicks', '4', '--json'];
    const single = await run('noc', ...args, '--backend', 'wasm');
    expect(single.code, single.err).toBe(0);
    const runs = path.join(dir, 'runs');
    const queued = await run('submit', '--redis', redis.url, '--queue', 'noc', 'noc', ...args, '--chunk', '2', '--runs', runs);
    expect(queued.code, `${queued.err}\n${log.join('')}`).toBe(0);
    const a = lastJson(single.out);
    const b = lastJson(queued.out);
    expect((a.instances as unknown[]).length).toBeGreaterThanOrEqual(2);
    expect(withoutTimings({ ...b, backend: a.backend })).toEqual(withoutTimings(a));
    const [runId] = fs.readdirSync(runs);
    const merged = await run('merge', 'noc', path.join(runs, runId!), '--json');
    expect(merged.code, merged.err).toBe(0);
    expect(withoutTimings({ ...lastJson(merged.out), backend: a.backend })).toEqual(withoutTimings(a));
  }, 300_000);
});
