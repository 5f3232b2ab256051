#!/usr/bin/env node
// Benchmark of one interactive click (Deep Interactive Object Selection) at 321x321, per backend:
// the clicks encoded as distance maps (@objsel/clicks), the interactive DeepLab-v2 ResNet
// (5-channel input, one output; random weights) forward with BN folded, sigmoid of the
// bilinearly upsampled logits, then the refinement: graph cut (exact min cut, clicks as hard
// constraints) or dense CRF. Also one f-BRS click (backbone once with the training graph, then
// N optimisation steps of the feature scale/bias through the ASPP head) and one "adapt to this
// image" update (head only). Each configuration runs in its own child process. Prints one JSON
// object. Runs against the built dist/ of clicks, dense-crf and deeplab-resnet (its interactive subpath).
//   node tools/bench/interactive.mjs [--configs wasm:2,wasm:1,webgpu:1] [--size 321] [--depth 101]
//        [--width 1] [--repeats 3] [--brs-steps 5]
// The 2-core machine may be shared with other work: wall times are noisy; CPU times are steadier.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SELF = fileURLToPath(import.meta.url);
const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const round = (v, d = 3) => Math.round(v * 10 ** d) / 10 ** d;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const SIZE = Number(flag('--size', '321'));
const DEPTH = Number(flag('--depth', '101'));
const WIDTH = Number(flag('--width', '1'));
const REPEATS = Number(flag('--repeats', '3'));
const BRS_STEPS = Number(flag('--brs-steps', '5'));

function peakMiB() {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    if (m) return round(Number(m[1]) / 1024, 1);
  } catch {}
  return round(process.memoryUsage().rss / 1024 / 1024, 1);
}

/** Times `fn` (async) REPEATS times after one warm-up: median wall and CPU milliseconds. */
async function time(name, fn) {
  process.stderr.write(`[interactive] ${name}... (peak ${peakMiB()} MiB)\n`);
  await fn();
  const wall = [];
  const cpu = [];
  for (let i = 0; i < REPEATS; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await fn();
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  return { medianMs: round(median(wall), 1), cpuMs: round(median(cpu), 1), allMs: wall.map((t) => round(t, 1)) };
}

async function child(backend, threads) {
  const require = createRequire(path.join(ROOT, 'packages/cli/package.json'));
  const tf = require('@tensorflow/tfjs');
  tf.enableProdMode();
  const dl = await import(path.join(ROOT, 'packages/deeplab-resnet/dist/index.js'));
  const interactive = await import(path.join(ROOT, 'packages/deeplab-resnet/dist/interactive/index.js'));
  const clicks = await import(path.join(ROOT, 'packages/clicks/dist/index.js'));
  const crf = await import(path.join(ROOT, 'packages/dense-crf/dist/index.js'));
  const loaded = await dl.loadBackend(backend, { wasmThreads: threads });
  const model = dl.DeepLabResNet.create(interactive.interactiveConfig(DEPTH, { widthMultiplier: WIDTH }), { seed: 1 });
  const segmenter = interactive.InteractiveSegmenter.fromModel(model);

  // A synthetic photo: textured background, a brighter disk; one positive click in the disk, one negative outside.
  const n = SIZE * SIZE;
  const data = new Uint8Array(n * 3);
  let s = 7;
  const rand = () => (s = (s * 1664525 + 1013904223) >>> 0) / 4294967296;
  for (let y = 0; y < SIZE; y++)
    for (let x = 0; x < SIZE; x++) {
      const inside = (x - SIZE / 2) ** 2 + (y - SIZE / 2) ** 2 < (SIZE / 4) ** 2;
      for (let c = 0; c < 3; c++) data[(y * SIZE + x) * 3 + c] = Math.round((inside ? 180 : 80) + 40 * (rand() - 0.5));
    }
  const image = { width: SIZE, height: SIZE, data };
  const clickList = [
    { x: Math.floor(SIZE / 2), y: Math.floor(SIZE / 2), positive: true },
    { x: 10, y: 10, positive: false },
  ];
  const parts = {};
  let input;
  parts.encode = await time('encode', async () => {
    input = clicks.buildInteractiveInput(image, clickList);
  });
  let probability;
  parts.forward = await time('forward', async () => {
    probability = await segmenter.segment(input, SIZE, SIZE);
  });
  parts.graphcut = await time('graphcut', async () => {
    clicks.graphCut({ probs: probability, image: data, width: SIZE, height: SIZE, clicks: clickList });
  });
  parts.crf = await time('crf', async () => {
    crf.crfBinary(probability, image);
  });
  parts.clickWithGraphcut = await time('clickWithGraphcut', async () => {
    const x = clicks.buildInteractiveInput(image, clickList);
    const p = await segmenter.segment(x, SIZE, SIZE);
    clicks.graphCut({ probs: p, image: data, width: SIZE, height: SIZE, clicks: clickList });
  });
  let brsResult;
  parts.brsClick = await time('brsClick', async () => {
    brsResult = await segmenter.segmentWithBrs(input, SIZE, SIZE, clickList, { steps: BRS_STEPS, earlyStop: false });
  });
  parts.adaptStep = await time('adaptStep', async () => {
    await interactive.adaptToClicks(model, [{ input, width: SIZE, height: SIZE, clicks: clickList }], { steps: 1 });
  });
  const tensors = tf.memory().numTensors;
  const parameters = model.parameterCount();
  segmenter.dispose();
  model.dispose();
  return {
    backend: loaded.name,
    wasmThreads: loaded.wasmThreads ?? 1,
    parts,
    brsSteps: brsResult.steps,
    parameters,
    peakMiB: peakMiB(),
    tensorsBeforeDispose: tensors,
    tensorsAfterDispose: tf.memory().numTensors,
  };
}

if (args[0] === '--child') {
  const result = await child(args[1], Number(args[2]));
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}

const CONFIGS = flag('--configs', 'wasm:2')
  .split(',')
  .map((c) => c.split(':'));
const started = Date.now();
const runs = [];
for (const [backend, threads = '1'] of CONFIGS) {
  const forwarded = args.filter((a, i) => !(a === '--configs' || args[i - 1] === '--configs'));
  try {
    const preload = backend === 'webgpu' ? ['--import', path.join(ROOT, 'tools/browser/webgpu-preload.mjs')] : [];
    const out = execFileSync(process.execPath, [...preload, SELF, '--child', backend, threads, ...forwarded], {
      encoding: 'utf8',
      maxBuffer: 1 << 26,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    runs.push({ requested: `${backend}:${threads}`, ...JSON.parse(out.trim().split('\n').pop()) });
  } catch (error) {
    // The child's error line (e.g. a backend package that is not installed), not the stack.
    const lines = String(error.stderr || error.message)
      .trim()
      .split('\n');
    const message = lines.find((l) => /^\w*Error: /.test(l)) ?? lines.slice(-3).join(' ');
    runs.push({ requested: `${backend}:${threads}`, error: message.trim() });
  }
}
const load = fs.existsSync('/proc/loadavg') ? fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number) : null;
process.stdout.write(
  `${JSON.stringify({
    benchmark: 'interactive-click',
    what: `one click at ${SIZE}x${SIZE}: distance maps + interactive DeepLab-v2 ResNet-${DEPTH} (width x${WIDTH}, 5 inputs, 1 output, BN folded) + graph cut or dense CRF; f-BRS click with ${BRS_STEPS} steps; one adapt update`,
    size: SIZE,
    depth: DEPTH,
    width: WIDTH,
    repeats: REPEATS,
    runs,
    loadAverage: load,
    seconds: round((Date.now() - started) / 1000, 1),
    note: 'wall times on a shared 2-core machine are noisy (see loadAverage); cpuMs is steadier',
  })}\n`,
);
