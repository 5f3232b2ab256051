#!/usr/bin/env node
// Benchmark of the DeepLab-v2 ResNet forward pass (inference), per backend, wasm thread count,
// input size and path:
//   folded   DeepLabSegmenter's default: BatchNorm folded into fused convolutions, native dilation
//   forward  DeepLabResNet.forward: the differentiable training graph (atrous as space-to-batch)
// Each configuration runs in its own child process (the wasm thread count is fixed at backend
// initialisation). Reports per case the median wall time and CPU time of warm forwards, the
// agreement of the two paths (relative L2), and each process's peak resident memory (VmHWM).
// Prints one JSON object. Runs against the built dist/ (npx nx run deeplab-resnet:build).
//   node tools/bench/deeplab-forward.mjs [--configs wasm:2,wasm:1] [--sizes 321x321,500x334]
//        [--depth 101] [--width 1] [--repeats 3] [--paths folded,forward]
// cpu is slow (minutes per ResNet-101 forward at 321x321): ask for it with --configs cpu:1 and a
// small --sizes. webgpu runs Node's Dawn (`webgpu` package) through tools/browser/webgpu-preload.mjs,
// i.e. Mesa llvmpipe without a GPU: --configs webgpu:1. The 2-core machine may be shared with other work: wall times are noisy; the CPU
// times and the memory are steadier.
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

function peakMiB() {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    if (m) return round(Number(m[1]) / 1024, 1);
  } catch {}
  return round(process.memoryUsage().rss / 1024 / 1024, 1);
}

const DEPTH = Number(flag('--depth', '101'));
const WIDTH = Number(flag('--width', '1'));
const REPEATS = Number(flag('--repeats', '3'));
const SIZES = flag('--sizes', '321x321,500x334')
  .split(',')
  .map((s) => s.split('x').map(Number));
const PATHS = flag('--paths', 'folded,forward').split(',');

/** One configuration, in this (child) process. */
async function child(backend, threads) {
  const require = createRequire(path.join(ROOT, 'packages/cli/package.json'));
  const tf = require('@tensorflow/tfjs');
  tf.enableProdMode();
  const { loadBackend, DeepLabResNet, DeepLabSegmenter, resnetConfig } = await import(
    path.join(ROOT, 'packages/deeplab-resnet/dist/index.js')
  );
  const loaded = await loadBackend(backend, { wasmThreads: threads });
  const model = DeepLabResNet.create(resnetConfig(DEPTH, { widthMultiplier: WIDTH }), { seed: 1 });
  const segmenter = DeepLabSegmenter.fromModel(model);
  const cases = [];
  for (const [h, w] of SIZES) {
    const x = tf.randomNormal([1, h, w, 3], 0, 60, 'float32', 7);
    const outputs = {};
    for (const p of PATHS) {
      const run = p === 'folded' ? () => segmenter.logits(x) : () => model.forward(x).logits;
      const warm = run();
      outputs[p] = await warm.data();
      warm.dispose();
      const wall = [];
      const cpu = [];
      for (let i = 0; i < REPEATS; i++) {
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        const y = run();
        await y.data();
        wall.push(performance.now() - t0);
        const c = process.cpuUsage(c0);
        cpu.push((c.user + c.system) / 1000);
        y.dispose();
      }
      cases.push({
        size: `${h}x${w}`,
        path: p,
        medianMs: round(median(wall), 0),
        cpuMs: round(median(cpu), 0),
        allMs: wall.map((t) => round(t, 0)),
      });
    }
    if (outputs.folded && outputs.forward) {
      let num = 0;
      let den = 0;
      for (let i = 0; i < outputs.forward.length; i++) {
        num += (outputs.folded[i] - outputs.forward[i]) ** 2;
        den += outputs.forward[i] ** 2;
      }
      cases.push({ size: `${h}x${w}`, foldedVsForwardRelL2: Math.sqrt(num / den) });
    }
    x.dispose();
  }
  segmenter.dispose();
  const tensorsLeft = tf.memory().numTensors;
  model.dispose();
  return {
    backend: loaded.name,
    wasmThreads: loaded.wasmThreads ?? 1,
    cases,
    peakMiB: peakMiB(),
    tensorsAfterModelDispose: tf.memory().numTensors,
    tensorsBeforeModelDispose: tensorsLeft,
  };
}

if (args[0] === '--child') {
  const result = await child(args[1], Number(args[2]));
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}

const CONFIGS = flag('--configs', 'wasm:2,wasm:1')
  .split(',')
  .map((c) => c.split(':'));
const started = Date.now();
const runs = [];
for (const [backend, threads = '1'] of CONFIGS) {
  const forwarded = args.filter((a, i) => !(a === '--configs' || args[i - 1] === '--configs'));
  try {
    // WebGPU in Node: Dawn from the `webgpu` package, on Mesa's OpenGL ES without a GPU.
    const preload = backend === 'webgpu' ? ['--import', path.join(ROOT, 'tools/browser/webgpu-preload.mjs')] : [];
    const out = execFileSync(process.execPath, [...preload, SELF, '--child', backend, threads, ...forwarded], {
      encoding: 'utf8',
      maxBuffer: 1 << 26,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    runs.push({ requested: `${backend}:${threads}`, ...JSON.parse(out.trim().split('\n').pop()) });
  } catch (error) {
    runs.push({
      requested: `${backend}:${threads}`,
      error: String(error.stderr || error.message)
        .trim()
        .split('\n')
        .slice(-3)
        .join(' '),
    });
  }
}
const load = fs.existsSync('/proc/loadavg') ? fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number) : null;
process.stdout.write(
  `${JSON.stringify({
    benchmark: 'deeplab-forward',
    network: `DeepLab-v2 ResNet-${DEPTH}${WIDTH === 1 ? '' : ` width x${WIDTH}`}`,
    node: process.version,
    cpus: (await import('node:os')).cpus().length,
    loadAverageAtEnd: load,
    seconds: round((Date.now() - started) / 1000, 1),
    runs,
  })}\n`,
);
