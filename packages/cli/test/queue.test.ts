/**
 * `objsel submit` + `objsel worker` on a real redis-server with real worker processes (the built
 * CLI, as users run it): the results are the single-process command's, byte for byte and to the
 * last digit, through a killed worker, a corrupt image, a Redis restart and a second submit.
 * Run by `npm run test:queue` (which installs redis-server first); skipped in `test:unit`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { encodeCaffemodel, parsePrototxt, syntheticLayers } from '@objsel/caffe-import';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '../../../tools/test/fixtures';
import { lastJson, run } from './capture';
import { hasRedisServer, type RedisServer, startRedis } from './redis-server';

const CLI = path.resolve(__dirname, '../dist/cli.js');
const enabled = process.env.OBJSEL_QUEUE_TESTS === '1';
if (enabled && !hasRedisServer()) throw new Error('the queue tests need /usr/bin/redis-server: bash tools/setup-system.sh installs it');
if (enabled && !fs.existsSync(CLI)) throw new Error('the queue tests run the built CLI: npm run build first');

const reduced = fs
  .readFileSync(fixture('deeplab/deploy.prototxt'), 'utf8')
  .replace(/num_output:\s*(\d+)/g, (m, n: string) => (n === '21' ? m : `num_output: ${Number(n) / 16}`));

let dir: string;
let redis: RedisServer;
let weights: string;
let data: string;
let list: string;
let images: string[];
const workers: ChildProcess[] = [];
const logs = new Map<ChildProcess, string[]>();

/** A worker process of the built CLI on `queue`. */
function startWorker(queue: string): ChildProcess {
  const child = spawn(
    process.execPath,
    [CLI, 'worker', '--redis', redis.url, '--queue', queue, '--stalled-ms', '4000', '--backend', 'wasm', '--json'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const lines: string[] = [];
  logs.set(child, lines);
  child.stdout!.on('data', (b: Buffer) => lines.push(...b.toString().split('\n').filter(Boolean)));
  child.stderr!.on('data', (b: Buffer) => lines.push(...b.toString().split('\n').filter(Boolean)));
  workers.push(child);
  return child;
}

async function waitFor(what: string, test: () => boolean, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const doneFiles = (runDir: string) => (fs.existsSync(path.join(runDir, 'done')) ? fs.readdirSync(path.join(runDir, 'done')) : []);
const only = (runs: string) => {
  const names = fs.readdirSync(runs);
  expect(names).toHaveLength(1);
  return path.join(runs, names[0]!);
};

/** Every mask and overlay of `a` has the same bytes in `b`. */
function expectSameOutputs(a: string, b: string): void {
  const names = fs.readdirSync(a).sort();
  expect(names.length).toBeGreaterThan(0);
  expect(fs.readdirSync(b).sort()).toEqual(names);
  for (const n of names) expect(fs.readFileSync(path.join(b, n)).equals(fs.readFileSync(path.join(a, n))), n).toBe(true);
}

const infer = (saveDir: string, ...rest: string[]) => [
  'infer',
  ...images,
  '--weights',
  weights,
  '--save-dir',
  saveDir,
  '--backend',
  'wasm',
  ...rest,
];
const submit = (queue: string, runs: string, ...rest: string[]) => [
  'submit',
  '--redis',
  redis.url,
  '--queue',
  queue,
  ...rest,
  '--runs',
  runs,
];

describe.skipIf(!enabled)('objsel submit / worker on a real Redis', () => {
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'objsel-queue-'));
    redis = await startRedis();
    startWorker('main');
    startWorker('main');
    data = path.join(dir, 'synth');
    const made = await run(
      'data',
      'make-synthetic',
      '--out',
      data,
      '--count',
      '8',
      '--width',
      '48',
      '--height',
      '40',
      '--min-size',
      '12',
      '--max-size',
      '24',
      '--no-sbd',
      '-q',
    );
    expect(made.code).toBe(0);
    list = path.join(dir, 'all.txt');
    fs.writeFileSync(list, fs.readFileSync(path.join(data, 'train.txt'), 'utf8') + fs.readFileSync(path.join(data, 'val.txt'), 'utf8'));
    images = fs
      .readdirSync(path.join(data, 'JPEGImages'))
      .sort()
      .map((f) => path.join(data, 'JPEGImages', f));
    expect(images).toHaveLength(8);
    const prototxt = path.join(dir, 'deploy.prototxt');
    fs.writeFileSync(prototxt, reduced);
    const caffemodel = path.join(dir, 'model.caffemodel');
    fs.writeFileSync(caffemodel, encodeCaffemodel(syntheticLayers(parsePrototxt(reduced), { seed: 5 }), { name: 'small' }));
    weights = path.join(dir, 'weights');
    expect((await run('convert', '--prototxt', prototxt, '--caffemodel', caffemodel, '--out', weights, '-q')).code).toBe(0);
    const single = await run(...infer(path.join(dir, 'single')), '-q');
    expect(single.code).toBe(0);
  });

  afterAll(async () => {
    for (const w of workers) if (w.exitCode === null) w.kill('SIGKILL');
    await redis?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('two workers: evaluate gives the mean IoU of one process to the last digit, infer the same mask bytes; a second submit does nothing', async () => {
    const evalArgs = ['--data-dir', data, '--data-list', list, '--weights', weights, '--backend', 'wasm', '--json'];
    const single = await run('evaluate', ...evalArgs);
    expect(single.code).toBe(0);
    const runs = path.join(dir, 'runs-eval');
    const queued = await run(...submit('main', runs, 'evaluate', ...evalArgs, '--chunk', '3'));
    expect(queued.err).toBe('');
    expect(queued.code).toBe(0);
    const a = lastJson(single.out);
    const b = lastJson(queued.out);
    expect(b.miou).toBe(a.miou);
    expect(b.confusionMatrix).toEqual(a.confusionMatrix);
    expect(b.perClassIoU).toEqual(a.perClassIoU);
    expect(b.images).toBe(8);

    const inferRuns = path.join(dir, 'runs-infer');
    const out = path.join(dir, 'queued');
    const r = await run(...submit('main', inferRuns, ...infer(out, '--chunk', '3', '--json')));
    expect(r.code).toBe(0);
    expectSameOutputs(path.join(dir, 'single'), out);
    const result = lastJson(r.out) as { images: Array<{ image: string }> };
    expect(result.images.map((i) => i.image)).toEqual(images);

    // Submitted again: the run is finished, nothing is queued or rerun, the same result is printed.
    const runDir = only(inferRuns);
    const times = doneFiles(runDir).map((f) => fs.statSync(path.join(runDir, 'done', f)).mtimeMs);
    const maskTime = fs.statSync(path.join(out, fs.readdirSync(out)[0]!)).mtimeMs;
    const again = await run(...submit('main', inferRuns, ...infer(out, '--chunk', '3', '--json')));
    expect(again.code).toBe(0);
    expect((lastJson(again.out) as { images: unknown[] }).images).toEqual(result.images);
    expect(doneFiles(runDir).map((f) => fs.statSync(path.join(runDir, 'done', f)).mtimeMs)).toEqual(times);
    expect(fs.statSync(path.join(out, fs.readdirSync(out)[0]!)).mtimeMs).toBe(maskTime);
    const collected = await run('collect', runDir, '--json');
    expect(lastJson(collected.out)).toEqual(lastJson(again.out));
  });

  it('crf as queue jobs: the files of the single-process crf byte for byte, the same per-image results', async () => {
    const probs = path.join(dir, 'crf-probs', 'p.npy');
    expect((await run(...infer(path.join(dir, 'crf-infer'), '--save-probs', probs), '-q')).code).toBe(0);
    const crf = (out: string) => [
      'crf',
      ...images,
      '--probs',
      probs,
      '--out',
      path.join(out, 'm.png'),
      '--iterations',
      '2',
      '--threads',
      '1',
      '--json',
    ];
    const single = await run(...crf(path.join(dir, 'crf-single')));
    expect(single.code).toBe(0);
    const r = await run(...submit('main', path.join(dir, 'runs-crf'), ...crf(path.join(dir, 'crf-queued')), '--chunk', '3'));
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expectSameOutputs(path.join(dir, 'crf-single'), path.join(dir, 'crf-queued'));
    const strip = (x: Record<string, unknown>) =>
      (x.images as Array<Record<string, unknown>>).map(({ seconds: _s, out, ...rest }) => ({ ...rest, out: path.basename(out as string) }));
    expect(strip(lastJson(r.out))).toEqual(strip(lastJson(single.out)));
  });

  it('a corrupt image fails alone after its retries: the other images are written, failed.jsonl names it, exit 1', async () => {
    const bad = path.join(dir, 'poison', 'bad.jpg');
    fs.mkdirSync(path.dirname(bad), { recursive: true });
    fs.writeFileSync(bad, Buffer.from('not a jpeg at all, just bytes'));
    const runs = path.join(dir, 'runs-poison');
    const out = path.join(dir, 'poisoned');
    const args = ['infer', images[0]!, images[1]!, bad, images[2]!, '--weights', weights, '--save-dir', out, '--backend', 'wasm'];
    const r = await run(...submit('main', runs, ...args, '--chunk', '4', '--attempts', '2', '--backoff-ms', '20'));
    expect(r.code).toBe(1);
    const runDir = only(runs);
    expect(r.err.trim().split('\n').pop()).toBe(
      `objsel: done 3, failed 1: see ${path.relative(process.cwd(), path.join(runDir, 'failed.jsonl'))}`,
    );
    const failed = fs.readFileSync(path.join(runDir, 'failed.jsonl'), 'utf8').trim().split('\n');
    expect(failed).toHaveLength(1);
    const record = JSON.parse(failed[0]!) as { items: string[]; error: string; attempts: number };
    expect(record.items).toEqual([bad]);
    expect(record.error).toContain('bad.jpg');
    expect(record.attempts).toBe(2);
    for (const img of [images[0]!, images[1]!, images[2]!]) {
      const name = path.basename(img, '.jpg');
      expect(
        fs.readFileSync(path.join(out, `${name}_mask.png`)).equals(fs.readFileSync(path.join(dir, 'single', `${name}_mask.png`))),
      ).toBe(true);
    }
    expect(fs.existsSync(path.join(out, 'bad_mask.png'))).toBe(false);
  });

  it('a worker killed with SIGKILL mid-run: its job goes to another worker, every image exactly once', async () => {
    const victim = startWorker('kill');
    const runs = path.join(dir, 'runs-kill');
    const out = path.join(dir, 'killed');
    const args = submit('kill', runs, ...infer(out, '--chunk', '1', '--json'));
    const detached = await run(...args, '--detach');
    expect(detached.code).toBe(0);
    const runDir = only(runs);
    await waitFor('the victim to finish a job', () => doneFiles(runDir).length >= 1);
    victim.kill('SIGKILL');
    await new Promise((r) => victim.once('exit', r));
    expect(doneFiles(runDir).length).toBeLessThan(8);
    startWorker('kill');
    const r = await run(...args);
    expect(r.code).toBe(0);
    const result = lastJson(r.out) as { images: Array<{ image: string }> };
    expect(result.images.map((i) => i.image)).toEqual(images);
    expectSameOutputs(path.join(dir, 'single'), out);
  });

  it('Redis restarted mid-run (every key lost): the clients reconnect, the missing jobs are queued again, the run finishes', async () => {
    const runs = path.join(dir, 'runs-restart');
    const out = path.join(dir, 'restarted');
    const pending = run(...submit('main', runs, ...infer(out, '--chunk', '1', '--json')));
    await waitFor('a first job', () => fs.existsSync(runs) && fs.readdirSync(runs).length === 1 && doneFiles(only(runs)).length >= 1);
    await redis.restart();
    const r = await pending;
    expect(r.code).toBe(0);
    const result = lastJson(r.out) as { images: Array<{ image: string }> };
    expect(result.images.map((i) => i.image)).toEqual(images);
    expectSameOutputs(path.join(dir, 'single'), out);
  });

  it('SIGTERM: a worker finishes and exits 0', async () => {
    const w = startWorker('main');
    await waitFor('the worker to be ready', () => (logs.get(w) ?? []).some((l) => l.includes('"ready"')));
    w.kill('SIGTERM');
    const code = await new Promise((r) => w.once('exit', r));
    expect(code).toBe(0);
    expect(logs.get(w)!.some((l) => l.includes('"stopped"'))).toBe(true);
  });
});
