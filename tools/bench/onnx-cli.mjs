#!/usr/bin/env node
// Benchmark of `objsel ... --backend onnx` against the default TF.js wasm backend on a full-size
// ResNet-101 DeepLab-v2 with random weights (written once to --dir, default a temp dir):
//   process   `objsel infer IMAGE --backend wasm|onnx` as a whole process, per image size: the
//             first (cold: onnx exports and caches beside the weights) and the median of the
//             warm runs; wall ms, CPU ms and peak RSS (from /usr/bin/time when present)
//   phases    one warm onnx start taken apart in-process: library import, openOnnxSegmenter
//             (weights located, digest from the sidecar, metadata from the file head, session
//             from the kept optimised graph) and one image
//   forward   the network alone, in-process: TF.js wasm folded predict vs ONNX Runtime's run with
//             the CLI's session settings, per size; and one interactive click (5-channel network,
//             321 on the longest side: clicks → distance maps → network → threshold)
// Prints one JSON object. Runs the built CLI (npm run build). The 2-core machine may be shared:
// wall times are noisy, CPU times less so; the load average at start and end is reported.
//   node tools/bench/onnx-cli.mjs [--dir DIR] [--sizes 321x321,500x334] [--warm 3] [--repeats 5]
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SELF = fileURLToPath(import.meta.url);
const CLI = path.join(ROOT, 'packages/cli/dist/cli.js');
const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const round = (v) => Math.round(v);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const SIZES = flag('--sizes', '321x321,500x334')
  .split(',')
  .map((s) => s.split('x').map(Number));
const WARM = Number(flag('--warm', '3'));
const REPEATS = Number(flag('--repeats', '5'));
const DIR = flag('--dir', path.join(os.tmpdir(), 'objsel-bench-onnx-cli'));
const loadAverage = () =>
  fs.existsSync('/proc/loadavg') ? fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number) : null;
const peakMiB = () => {
  const m = /VmHWM:\s+(\d+) kB/.exec(fs.existsSync('/proc/self/status') ? fs.readFileSync('/proc/self/status', 'utf8') : '');
  return m ? round(Number(m[1]) / 1024) : round(process.memoryUsage().rss / 2 ** 20);
};
const require = createRequire(path.join(ROOT, 'packages/cli/package.json'));
const lib = (sub = '') => import(path.join(ROOT, `packages/deeplab-resnet/dist/${sub}index.js`));

/** Full-size random weights (semantic and interactive ResNet-101) and the test images, once. */
async function setup() {
  const tf = require('@tensorflow/tfjs');
  const d = await lib();
  const di = await lib('interactive/');
  const { writeWeightsDir } = await import(path.join(ROOT, 'packages/caffe-import/dist/node.js'));
  const { encodePng } = await import(path.join(ROOT, 'packages/voc-data/dist/index.js'));
  await d.loadBackend('cpu');
  void tf;
  for (const [name, config] of [
    ['semantic', d.resnetConfig(101)],
    ['interactive', di.interactiveConfig(101)],
  ]) {
    if (fs.existsSync(path.join(DIR, name, 'model.json'))) continue;
    const model = d.DeepLabResNet.create(config, { seed: 1 });
    await writeWeightsDir(path.join(DIR, name), await model.toWeightEntries(), model.meta());
    model.dispose();
  }
  for (const [h, w] of SIZES) {
    const data = new Uint8Array(w * h * 3);
    for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24;
    fs.writeFileSync(path.join(DIR, `image-${h}x${w}.png`), encodePng({ width: w, height: h, channels: 3, data }));
  }
  return {};
}

/** One whole `objsel infer` process: wall, CPU and peak RSS. */
function inferProcess(backend, [h, w]) {
  const cli = [
    CLI,
    'infer',
    path.join(DIR, `image-${h}x${w}.png`),
    '--weights',
    path.join(DIR, 'semantic'),
    '--save-dir',
    path.join(DIR, `out-${backend}`),
    '--backend',
    backend,
    '-q',
  ];
  const timed = fs.existsSync('/usr/bin/time');
  const t0 = performance.now();
  const r = timed
    ? spawnSync('/usr/bin/time', ['-f', 'TIME %U %S %M', process.execPath, ...cli], { encoding: 'utf8' })
    : spawnSync(process.execPath, cli, { encoding: 'utf8' });
  const wallMs = round(performance.now() - t0);
  if (r.status !== 0) throw new Error(`objsel infer --backend ${backend} failed: ${r.stderr.trim().split('\n').pop()}`);
  const m = /TIME ([\d.]+) ([\d.]+) (\d+)/.exec(r.stderr);
  return m ? { wallMs, cpuMs: round((Number(m[1]) + Number(m[2])) * 1000), peakMiB: round(Number(m[3]) / 1024) } : { wallMs };
}

/** A warm onnx start taken apart (child process, after the CLI runs cached the model). */
async function phasesChild() {
  const t0 = performance.now();
  const onnx = await lib('onnx/');
  const { decodeImage } = await import(path.join(ROOT, 'packages/voc-data/dist/index.js'));
  const t1 = performance.now();
  const { nodeOnnxCacheFiles: files, onnxOptimizedCacheKey: keyOf } = await cli();
  const runtime = await onnx.loadOnnxRuntime();
  const t2 = performance.now();
  const digestStart = performance.now();
  await onnx.weightsDigest(files, path.join(DIR, 'semantic'));
  const digestMs = performance.now() - digestStart;
  const { optimizedGraph, segmenter, cacheHit } = await onnx.openOnnxSegmenter(files, path.join(DIR, 'semantic'), {
    variant: 'semantic',
    exporter: () => Promise.reject(new Error('expected a cache hit')),
    runtime,
    session: { intraOpNumThreads: os.availableParallelism() },
    optimizedCacheKey: keyOf(),
  });
  const t3 = performance.now();
  const [h, w] = SIZES[0];
  const image = await decodeImage(new Uint8Array(fs.readFileSync(path.join(DIR, `image-${h}x${w}.png`))));
  await segmenter.segment(image);
  const t4 = performance.now();
  await segmenter.dispose();
  return {
    size: `${h}x${w}`,
    importMs: round(t1 - t0),
    runtimeImportMs: round(t2 - t1),
    digestFromSidecarMs: round(digestMs),
    openMs: round(t3 - t2 - digestMs),
    cacheHit,
    optimizedGraph,
    firstImageMs: round(t4 - t3),
    peakMiB: peakMiB(),
  };
}

/** The CLI's Node helpers: the cache files (stat, head read) and the key of the kept optimised graph. */
const cli = () => import(path.join(ROOT, 'packages/cli/dist/index.js'));

async function time(run) {
  await run();
  const wall = [];
  const cpu = [];
  for (let i = 0; i < REPEATS; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const inner = await run();
    wall.push(typeof inner === 'number' ? inner : performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  return { medianMs: round(median(wall)), cpuMs: round(median(cpu)), allMs: wall.map(round) };
}

/** Seeded preprocessed-like input (HWC). */
function input(h, w, c) {
  let s = 7;
  return Float32Array.from({ length: h * w * c }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 32 - 0.5) * 200;
  });
}

/** The network alone per engine, and one interactive click. */
async function forwardChild(engine) {
  const cases = [];
  if (engine === 'wasm') {
    const tf = require('@tensorflow/tfjs');
    const d = await lib();
    const di = await lib('interactive/');
    const { nodeFileSystem } = await import(path.join(ROOT, 'packages/caffe-import/dist/node.js'));
    const loaded = await d.loadBackend('wasm');
    const { network } = await d.loadSegmentationNetwork(nodeFileSystem, path.join(DIR, 'semantic'));
    const folded = d.FoldedDeepLab.fromModel(network);
    network.dispose();
    for (const [h, w] of SIZES) {
      const x = tf.tensor4d(input(h, w, 3), [1, h, w, 3]);
      cases.push({ model: 'semantic', size: `${h}x${w}`, forward: await time(async () => (await folded.predict(x).data(), undefined)) });
      x.dispose();
    }
    folded.dispose();
    const interactive = await di.loadInteractiveNetwork(nodeFileSystem, path.join(DIR, 'interactive'));
    const model = di.InteractiveSegmenter.fromModel(interactive);
    cases.push({ model: 'interactive', size: '241x321', click: await click(di, model) });
    model.dispose();
    interactive.dispose();
    return { engine: `TF.js ${loaded.name}`, threads: loaded.wasmThreads ?? null, cases, peakMiB: peakMiB() };
  }
  const onnx = await lib('onnx/');
  const di = await lib('interactive/');
  const { nodeOnnxCacheFiles, onnxOptimizedCacheKey: keyOf, onnxThreads } = await cli();
  const threads = onnxThreads();
  const open = async (name) =>
    (
      await onnx.openOnnxSegmenter(nodeOnnxCacheFiles, path.join(DIR, name), {
        variant: name,
        exporter: async () => (name === 'semantic' ? (await lib()).semanticOnnxExporter() : di.interactiveOnnxExporter()),
        session: { intraOpNumThreads: threads },
        optimizedCacheKey: keyOf(),
      })
    ).segmenter;
  require('@tensorflow/tfjs'); // only for an export on a cache miss
  await (await lib()).loadBackend('wasm');
  const semantic = await open('semantic');
  for (const [h, w] of SIZES) {
    const x = input(h, w, 3);
    cases.push({ model: 'semantic', size: `${h}x${w}`, forward: await time(async () => (await semantic.run(x, h, w)).runMs) });
  }
  await semantic.dispose();
  const model = di.OnnxInteractiveModel.fromSegmenter(await open('interactive'));
  cases.push({ model: 'interactive', size: '241x321', click: await click(di, model) });
  await model.dispose();
  return { engine: 'onnxruntime-node', threads, cases, peakMiB: peakMiB() };
}

/** One click end to end on a 321x241 photo: distance maps, network, threshold. */
async function click(di, model) {
  const [w, h] = [321, 241];
  const data = new Uint8Array(w * h * 3).map((_, i) => (i * 2654435761) >>> 24);
  const predict = di.createInteractivePredictor({ width: w, height: h, data }, model, { refine: 'none' });
  return time(() => predict([{ x: 160, y: 120, positive: true }]).then(() => undefined));
}

if (args[0] === '--child') {
  const result = args[1] === 'setup' ? await setup() : args[1] === 'phases' ? await phasesChild() : await forwardChild(args[1]);
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}

fs.mkdirSync(DIR, { recursive: true });
const child = (what) =>
  JSON.parse(
    execFileSync(process.execPath, [SELF, '--child', what, ...args], {
      encoding: 'utf8',
      maxBuffer: 1 << 26,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
      .trim()
      .split('\n')
      .pop(),
  );
const loadAtStart = loadAverage();
const started = Date.now();
child('setup');
const processes = [];
for (const backend of ['wasm', 'onnx']) {
  for (const size of SIZES) {
    const first = inferProcess(backend, size);
    const warm = Array.from({ length: WARM }, () => inferProcess(backend, size));
    const pick = (k) => (warm[0]?.[k] === undefined ? undefined : round(median(warm.map((r) => r[k]))));
    processes.push({
      backend,
      size: `${size[0]}x${size[1]}`,
      first,
      warm: { wallMs: pick('wallMs'), cpuMs: pick('cpuMs'), peakMiB: pick('peakMiB') },
    });
  }
}
const result = {
  bench: 'objsel infer/select --backend onnx vs wasm, ResNet-101 (random weights)',
  machine: { cpus: os.availableParallelism(), model: os.cpus()[0]?.model ?? '', node: process.version },
  loadAverage: { start: loadAtStart },
  process: processes,
  phases: child('phases'),
  forward: { wasm: child('wasm'), onnx: child('onnx') },
  targets: { processMs: '< 1500 (objsel infer --backend onnx, 321x321, whole process)', clickMs: '< 600', forwardMs: '<= ~500' },
  seconds: Math.round((Date.now() - started) / 1000),
};
result.loadAverage.end = loadAverage();
process.stdout.write(`${JSON.stringify(result, null, 1)}\n`);
