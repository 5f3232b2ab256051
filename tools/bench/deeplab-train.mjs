#!/usr/bin/env node
// Benchmark of one DeepLab-ResNet training step as train.py takes it: forward, backward (the
// objective of train.py: soft-max cross-entropy + weight decay) and the momentum update with
// the 1/10/20 multipliers, ResNet-101, batch 1, frozen BatchNorm, at 321x321 and a smaller size.
// Reports per size the forward time, the full step time (wall and CPU), images/s and the peak
// resident memory (VmHWM). Each size runs in its own process (so each peak is its own); prints
// one JSON object. Runs against the built dist/ (npm run build, or npx nx run deeplab-resnet:build).
//   node tools/bench/deeplab-train.mjs [--backend auto|wasm|cpu] [--depth 101] [--sizes 321,161]
//        [--batch 1] [--steps 1] [--width 1] [--no-checkpoint]
// --no-checkpoint uses the plain autodiff path (tf.batchNorm, every activation on the tape).
// The 2-core machine may be shared with other work: timings are noisy; CPU seconds are steadier.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const BACKEND = flag('--backend', 'auto');
const DEPTH = Number(flag('--depth', '101'));
const SIZE = Number(flag('--size', '321'));
const BATCH = Number(flag('--batch', '1'));
const STEPS = Number(flag('--steps', '1'));
const WIDTH = Number(flag('--width', '1'));
const CHECKPOINT = !args.includes('--no-checkpoint');
const round = (v, d = 3) => Math.round(v * 10 ** d) / 10 ** d;

// Parent: one child process per size (--sizes), largest last; collect their JSON.
if (!args.includes('--size')) {
  const sizes = flag('--sizes', '161,321').split(',').map(Number);
  const loadBefore = os.loadavg().map((v) => round(v, 2));
  const runs = [];
  for (const size of sizes) {
    process.stderr.write(`[deeplab-train] ${size}x${size} ...\n`);
    const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), ...args, '--size', String(size)], {
      stdio: ['ignore', 'pipe', 'inherit'],
      encoding: 'utf8',
      maxBuffer: 1 << 24,
    });
    try {
      runs.push(JSON.parse(child.stdout));
    } catch {
      runs.push({
        input: [BATCH, size, size, 3],
        error: `child exited with ${child.status ?? child.signal}`,
        output: child.stdout.slice(-500),
      });
    }
  }
  const summary = {
    benchmark: 'deeplab-train',
    model: `ResNet-${DEPTH} DeepLab-v2${WIDTH !== 1 ? ` x${WIDTH}` : ''}`,
    targetStepSeconds: 7.8,
    memoryLimitMiB: 6144,
    runs,
    machine: {
      cpus: os.cpus().length,
      model: os.cpus()[0]?.model,
      node: process.version,
      loadavgBefore: loadBefore,
      loadavgAfter: os.loadavg().map((v) => round(v, 2)),
    },
  };
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  process.exit(0);
}

/** Peak resident set size of this process in MiB (Linux VmHWM), or the current RSS elsewhere. */
function peakMiB() {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    if (m) return round(Number(m[1]) / 1024, 1);
  } catch {}
  return round(process.memoryUsage().rss / 1024 / 1024, 1);
}

// Entry-point duty: @tensorflow/tfjs registers gradients and chained ops (one copy, the repo's).
const require = createRequire(path.join(ROOT, 'packages/cli/package.json'));
const tf = require('@tensorflow/tfjs');
tf.enableProdMode();
const lib = await import(path.join(ROOT, 'packages/deeplab-resnet/dist/index.js'));
const { loadBackend, DeepLabResNet, resnetConfig, Trainer } = lib;

const loaded = await loadBackend(BACKEND);
const config = resnetConfig(DEPTH, { widthMultiplier: WIDTH });
const network = DeepLabResNet.create(config, { seed: 1 });
const parameters = network.parameterCount();
const trainer = new Trainer(network, { numClasses: config.numClasses, learningRate: 2.5e-4, numSteps: 20001, checkpoint: CHECKPOINT });

let seed = 12345;
const random = () => (seed = (seed * 1664525 + 1013904223) >>> 0) / 4294967296;
const images = Float32Array.from({ length: BATCH * SIZE * SIZE * 3 }, () => (random() - 0.5) * 200);
const labels = Int32Array.from({ length: BATCH * SIZE * SIZE }, () => (random() < 0.05 ? 255 : Math.floor(random() * config.numClasses)));
const batch = { images, labels, batchSize: BATCH, height: SIZE, width: SIZE, channels: 3 };

// Random weights with BN statistics mean 0 / variance 1 let activations explode through 100
// layers (loss ~1e8, NaN after one update). Calibrate: take the batch statistics of one
// training-mode forward pass as the moving statistics, so the frozen-BN network is well scaled.
{
  const xc = tf.tensor4d(images, [BATCH, SIZE, SIZE, 3]);
  const { logits, batchStats } = network.forward(xc, { trainBatchNorm: true });
  for (const s of batchStats) {
    network.variables.get(`${s.layer}/moving_mean`).assign(s.mean);
    network.variables.get(`${s.layer}/moving_variance`).assign(s.variance);
  }
  tf.dispose([xc, logits, ...batchStats.flatMap((s) => [s.mean, s.variance])]);
}

// Forward only (inference-mode BN), once warm.
const x = tf.tensor4d(images, [BATCH, SIZE, SIZE, 3]);
const forward = async () => {
  const { logits } = network.forward(x);
  await logits.data();
  const shape = logits.shape;
  logits.dispose();
  return shape;
};
const tw0 = performance.now();
const logitsShape = await forward();
const forwardColdSeconds = (performance.now() - tw0) / 1000;
const tf0 = performance.now();
const fcpu0 = process.cpuUsage();
await forward();
const forwardSeconds = (performance.now() - tf0) / 1000;
const fcpu = process.cpuUsage(fcpu0);
const note = (what) => process.stderr.write(`[deeplab-train ${SIZE}] ${what} (peak ${peakMiB()} MiB)\n`);
note(`forward ${round(forwardSeconds)} s (cold ${round(forwardColdSeconds)} s)`);

// Full training steps: the first one warms up, the next STEPS are timed. A failure (e.g. the
// wasm heap, which cannot grow past 4 GiB, running out) is reported in the JSON, not thrown.
let firstStepSeconds = null;
const times = [];
const stepCpu = [];
let last;
let error = null;
const cpu0 = process.cpuUsage();
try {
  const tc0 = performance.now();
  last = await trainer.trainStep([batch]);
  firstStepSeconds = (performance.now() - tc0) / 1000;
  note(`first training step ${round(firstStepSeconds)} s`);
  for (let s = 0; s < STEPS; s++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    last = await trainer.trainStep([batch]);
    times.push((performance.now() - t0) / 1000);
    const c = process.cpuUsage(c0);
    stepCpu.push((c.user + c.system) / 1e6);
    note(`training step ${round(times[times.length - 1])} s`);
  }
} catch (e) {
  error = `${e?.name ?? 'Error'}: ${String(e?.message ?? e).split('\n')[0]}`;
  note(`training failed: ${error}`);
}
const cpu = process.cpuUsage(cpu0);
const stepSeconds = times.length ? times.reduce((a, b) => a + b, 0) / times.length : firstStepSeconds;
let tensorsAfter = null;
if (!error) {
  tensorsAfter = tf.memory().numTensors;
  x.dispose();
  trainer.dispose();
  network.dispose();
}

const result = {
  benchmark: 'deeplab-train',
  backend: loaded.name,
  model: `ResNet-${DEPTH} DeepLab-v2${WIDTH !== 1 ? ` x${WIDTH}` : ''}`,
  parameters,
  input: [BATCH, SIZE, SIZE, 3],
  checkpoint: CHECKPOINT,
  wasmThreads: loaded.wasmThreads,
  logits: logitsShape,
  forwardColdSeconds: round(forwardColdSeconds),
  forwardSeconds: round(forwardSeconds),
  forwardCpuSeconds: round((fcpu.user + fcpu.system) / 1e6),
  firstStepSeconds: firstStepSeconds === null ? null : round(firstStepSeconds),
  stepSeconds: stepSeconds === null ? null : round(stepSeconds),
  stepSecondsEach: times.map((t) => round(t)),
  cpuSecondsPerStep: round((cpu.user + cpu.system) / 1e6 / (times.length + 1)),
  stepCpuSeconds: stepCpu.length ? round(stepCpu.reduce((a, b) => a + b, 0) / stepCpu.length) : null,
  imagesPerSecond: stepSeconds ? round(BATCH / stepSeconds, 4) : null,
  targetStepSeconds: 7.8,
  meetsTarget: stepSeconds !== null && stepSeconds <= 7.8,
  peakMemoryMiB: peakMiB(),
  memoryLimitMiB: 6144,
  loss: last ? round(last.loss, 4) : null,
  tensorsAfter,
  error,
  machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version, loadavg: os.loadavg().map((v) => round(v, 2)) },
};
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
