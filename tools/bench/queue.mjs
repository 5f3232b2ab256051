#!/usr/bin/env node
// objsel submit + objsel worker on a real redis-server (127.0.0.1, no persistence): `infer` over
// 48 synthetic images with a small network (the DeepLab-ResNet-101 deploy.prototxt at 1/16 of
// its widths), 1 worker vs 2 (wall time of the submit, networks already loaded: speed-up), and
// the queue's own cost per job: (48 one-image jobs - one 48-image job) / 47 on one warm worker. Prints one JSON object.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeCaffemodel, parsePrototxt, syntheticLayers } from '@objsel/caffe-import';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = path.join(root, 'packages/cli/dist/cli.js');
const REDIS = process.env.OBJSEL_REDIS_SERVER ?? '/usr/bin/redis-server';
const IMAGES = 48;
const BACKEND = process.env.OBJSEL_BENCH_BACKEND ?? 'wasm';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'objsel-bench-queue-'));
const cli = (...args) => {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: dir, maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`objsel ${args.join(' ')}: exit ${r.status}\n${r.stderr}`);
  return r.stdout;
};
const freePort = () =>
  new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** Each timing is the median of this many runs (the machine is shared: single runs are noisy). */
const REPEATS = Number(process.env.OBJSEL_BENCH_REPEATS ?? 3);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const children = [];
try {
  cli(
    'data',
    'make-synthetic',
    '--out',
    'synth',
    '--count',
    String(IMAGES),
    '--width',
    '160',
    '--height',
    '120',
    '--min-size',
    '32',
    '--max-size',
    '64',
    '--no-sbd',
    '-q',
  );
  const images = fs
    .readdirSync(path.join(dir, 'synth/JPEGImages'))
    .sort()
    .map((f) => path.join(dir, 'synth/JPEGImages', f));
  const prototxt = fs
    .readFileSync(path.join(root, '../shared/fixtures/deeplab/deploy.prototxt'), 'utf8')
    .replace(/num_output:\s*(\d+)/g, (m, n) => (n === '21' ? m : `num_output: ${Number(n) / 16}`));
  fs.writeFileSync(path.join(dir, 'deploy.prototxt'), prototxt);
  fs.writeFileSync(
    path.join(dir, 'model.caffemodel'),
    encodeCaffemodel(syntheticLayers(parsePrototxt(prototxt), { seed: 5 }), { name: 'small' }),
  );
  cli('convert', '--prototxt', 'deploy.prototxt', '--caffemodel', 'model.caffemodel', '--out', 'weights', '-q');

  // One process, for reference: the images' own inference seconds.
  const t = performance.now();
  const single = JSON.parse(cli('infer', ...images, '--weights', 'weights', '--save-dir', 'single', '--backend', BACKEND, '--json', '-q'));
  const singleWall = (performance.now() - t) / 1000;
  const singleCompute = single.images.reduce((s, i) => s + i.seconds, 0);

  const port = await freePort();
  const redis = spawn(REDIS, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  children.push(redis);
  await sleep(300);
  const url = `redis://127.0.0.1:${port}`;

  const startWorkers = async (n, queue) => {
    const jobs = [];
    const ws = [];
    for (let i = 0; i < n; i++) {
      const w = spawn(
        process.execPath,
        [CLI, 'worker', '--redis', url, '--queue', queue, '--backend', BACKEND, '--job-timeout-ms', '120000', '--json'],
        {
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      );
      let ready = false;
      w.stdout.on('data', (b) => {
        for (const line of b.toString().split('\n').filter(Boolean)) {
          const e = JSON.parse(line);
          if (e.type === 'ready') ready = true;
          if (e.type === 'job') jobs.push(e);
        }
      });
      children.push(w);
      ws.push({ w, isReady: () => ready });
    }
    while (!ws.every((x) => x.isReady())) await sleep(50);
    return { jobs, stop: () => Promise.all(ws.map(({ w }) => new Promise((r) => (w.once('exit', r), w.kill('SIGTERM'))))) };
  };
  // Asynchronous, so the workers' job lines are read while the submit runs.
  const submit = (queue, runs, out, chunk, list = images) =>
    new Promise((resolve, reject) => {
      const t0 = performance.now();
      const args = ['submit', '--redis', url, '--queue', queue, 'infer', ...list, '--weights', 'weights', '--save-dir', out];
      const p = spawn(process.execPath, [CLI, ...args, '--backend', BACKEND, '--runs', runs, '--chunk', String(chunk), '-q'], {
        cwd: dir,
        stdio: 'inherit',
      });
      p.once('exit', (code) => (code === 0 ? resolve((performance.now() - t0) / 1000) : reject(new Error(`submit exit ${code}`))));
    });

  const runWith = async (n) => {
    const queue = `bench${n}`;
    const workers = await startWorkers(n, queue);
    // Warm-up: every worker loads the network (one 1-image job each).
    await submit(queue, `warm${n}`, `warm${n}`, 1, images.slice(0, 2 * n));
    await sleep(200);
    workers.jobs.length = 0;
    const walls = [];
    for (let k = 0; k < REPEATS; k++) walls.push(await submit(queue, `runs${n}-${k}`, `out${n}${k ? `-${k}` : ''}`, 4));
    const wall = median(walls);
    await sleep(200);
    const inJobs = workers.jobs.reduce((s, j) => s + j.seconds, 0);
    await workers.stop();
    return {
      workers: n,
      chunk: 4,
      jobs: workers.jobs.length / REPEATS,
      wallSeconds: wall,
      runs: walls,
      imagesPerSecond: IMAGES / wall,
      secondsInJobs: inJobs / REPEATS,
    };
  };
  const one = await runWith(1);
  const two = await runWith(2);

  // Overhead: the same 48 images on one warm worker as 48 one-image jobs and as one 48-image job;
  // the difference over 47 jobs is what a job costs beyond its items (fixed costs cancel out).
  const workers = await startWorkers(1, 'overhead');
  await submit('overhead', 'warm-o', 'warm-o', 1, images.slice(0, 2));
  await sleep(200);
  const ones = [];
  const eachs = [];
  for (let k = 0; k < REPEATS; k++) {
    ones.push(await submit('overhead', `runs-one-${k}`, `out-one-${k}`, IMAGES));
    eachs.push(await submit('overhead', `runs-each-${k}`, `out-each-${k}`, 1));
  }
  const oneJob = median(ones);
  const perImage = median(eachs);
  await workers.stop();
  const identical = images.every((f) => {
    const name = `${path.basename(f, '.jpg')}_mask.png`;
    return fs.readFileSync(path.join(dir, 'single', name)).equals(fs.readFileSync(path.join(dir, 'out2', name)));
  });
  console.log(
    JSON.stringify({
      machine: { cpus: os.cpus().length, loadavg1: os.loadavg()[0] },
      backend: BACKEND,
      images: IMAGES,
      imageSize: '160x120',
      network: 'DeepLab-ResNet-101 deploy.prototxt, 1/16 widths',
      singleProcess: { wallSeconds: singleWall, secondsInImages: singleCompute },
      oneWorker: one,
      twoWorkers: two,
      repeats: REPEATS,
      speedUp: one.wallSeconds / two.wallSeconds,
      masksIdenticalToSingleProcess: identical,
      overhead: {
        oneJobOf48Seconds: oneJob,
        jobsOf1Seconds: perImage,
        runs: { oneJobOf48: ones, jobsOf1: eachs },
        msPerJob: (1000 * (perImage - oneJob)) / (IMAGES - 1),
      },
    }),
  );
} finally {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
}
