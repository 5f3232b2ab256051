#!/usr/bin/env node
// Benchmark of the ONNX inference path against TF.js, ResNet-101 DeepLab-v2 (random weights,
// BatchNorm folded), batch 1, per input size:
//   wasm   TF.js folded path (FoldedDeepLab.predict) on the wasm backend with 2 threads
//   onnx   onnxruntime-node on the file exportOnnx wrote (2 intra-op threads): session.run alone,
//          and OnnxSegmenter's whole call (NHWC→NCHW, run, upsampled output, argmax / sigmoid)
//   torch  PyTorch on the same graph (folded convolutions, TF 'SAME' pads, dilations, ASPP sum),
//          when a Python with torch is given (--python or OBJSEL_BENCH_PYTHON); skipped otherwise
// and the 5-channel interactive network at 321 on the longest side (one click's forward), and a
// cold process for one image (library import, session from the file path, one forward). Each
// engine runs in its own child process, so each peak resident memory (VmHWM) is its own. The
// wasm child also times exportOnnx and writes the files the onnx child loads. Prints one JSON
// object; ratios are onnx / torch and onnx / wasm of the median forward. Runs against the built
// dist/ (npm run build).
//   node tools/bench/onnx.mjs [--sizes 321x321,500x334] [--interactive 321x241] [--depth 101]
//        [--width 1] [--repeats 5] [--threads 2] [--python /tmp/venv/bin/python]
//        [--engines wasm,onnx,torch] [--warmups 2] [--tune]
// --tune also times ONNX Runtime session variants (graph optimisation level, memory arena,
// memory pattern, 1 thread, ONNX Runtime's spinning thread pool). The 2-core machine may be shared with other work: wall times are
// noisy; the load average at start and end is reported.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
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
const sizes = (s) =>
  s
    .split(',')
    .filter(Boolean)
    .map((x) => x.split('x').map(Number));

const DEPTH = Number(flag('--depth', '101'));
const WIDTH = Number(flag('--width', '1'));
const REPEATS = Number(flag('--repeats', '5'));
const THREADS = Number(flag('--threads', '2'));
const SIZES = sizes(flag('--sizes', '321x321,500x334'));
const INTERACTIVE = sizes(flag('--interactive', '321x241'));
const ENGINES = flag('--engines', 'wasm,onnx,torch').split(',');
const PYTHON = flag('--python', process.env.OBJSEL_BENCH_PYTHON ?? '');
const TUNE = args.includes('--tune');
const loadAverage = () =>
  fs.existsSync('/proc/loadavg') ? fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number) : null;

function peakMiB() {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    if (m) return round(Number(m[1]) / 1024, 1);
  } catch {}
  return round(process.memoryUsage().rss / 1024 / 1024, 1);
}

/** Warm-up calls before timing: oneDNN (PyTorch) and ONNX Runtime settle only after a couple. */
const WARMUPS = Number(flag('--warmups', '2'));

/**
 * Times `run` (async) after the warm-up calls: median and all wall times, median CPU time; when
 * `run` returns a number (a time measured inside), its median too, as `innerMs`.
 */
async function time(run) {
  for (let i = 0; i < WARMUPS; i++) await run();
  const wall = [];
  const cpu = [];
  const inner = [];
  for (let i = 0; i < REPEATS; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const measured = await run();
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
    if (typeof measured === 'number') inner.push(measured);
  }
  const result = { medianMs: round(median(wall), 0), cpuMs: round(median(cpu), 0), allMs: wall.map((t) => round(t, 0)) };
  if (inner.length) result.innerMs = round(median(inner), 0);
  return result;
}

/** Seeded input like preprocessed pixels (HWC float32). */
function input(h, w, c, seed) {
  let s = seed >>> 0;
  const out = new Float32Array(h * w * c);
  for (let i = 0; i < out.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 4294967296 - 0.5) * 200;
  }
  return out;
}

/** TF.js wasm: folded forward per size, and the exports. */
async function wasmChild(dir) {
  const require = createRequire(path.join(ROOT, 'packages/cli/package.json'));
  const tf = require('@tensorflow/tfjs');
  tf.enableProdMode();
  const d = await import(path.join(ROOT, 'packages/deeplab-resnet/dist/index.js'));
  const di = await import(path.join(ROOT, 'packages/deeplab-resnet/dist/interactive/index.js'));
  const loaded = await d.loadBackend('wasm', { wasmThreads: THREADS });
  const result = { engine: 'wasm (TF.js folded)', backend: loaded.name, threads: loaded.wasmThreads, cases: [] };
  for (const [kind, config, list] of [
    ['semantic', d.resnetConfig(DEPTH, { widthMultiplier: WIDTH }), SIZES],
    ['interactive', di.interactiveConfig(DEPTH, { widthMultiplier: WIDTH }), INTERACTIVE],
  ]) {
    if (list.length === 0) continue;
    const model = d.DeepLabResNet.create(config, { seed: 1 });
    const folded = d.FoldedDeepLab.fromModel(model);
    model.dispose();
    const t0 = performance.now();
    const exportModel = kind === 'interactive' ? di.exportInteractiveOnnx : d.exportOnnx;
    const bytes = exportModel(folded, { withUpsampled: true, sourceWeights: 'bench:random-seed-1' });
    result[`${kind}ExportMs`] = round(performance.now() - t0, 0);
    result[`${kind}FileMB`] = round(bytes.length / 1e6, 1);
    fs.writeFileSync(path.join(dir, `${kind}.onnx`), bytes);
    for (const [h, w] of ENGINES.includes('wasm') ? list : []) {
      const x = tf.tensor4d(input(h, w, config.inputChannels, h + w), [1, h, w, config.inputChannels]);
      const t = await time(async () => {
        const y = folded.predict(x);
        await y.data();
        y.dispose();
      });
      result.cases.push({ model: kind, size: `${h}x${w}`, forward: t });
      x.dispose();
    }
    folded.dispose();
  }
  result.peakMiB = peakMiB();
  result.tensorsLeft = tf.memory().numTensors;
  return result;
}

/** onnxruntime-node on the exported files. */
async function onnxChild(dir) {
  const require = createRequire(path.join(ROOT, 'packages/deeplab-resnet/package.json'));
  const ort = require('onnxruntime-node');
  const d = await import(path.join(ROOT, 'packages/deeplab-resnet/dist/index.js'));
  const di = await import(path.join(ROOT, 'packages/deeplab-resnet/dist/interactive/index.js'));
  // OnnxSegmenter's defaults (ONNX_SESSION_DEFAULTS: all optimisations, no spinning) plus the thread count.
  const base = { ...d.ONNX_SESSION_DEFAULTS, intraOpNumThreads: THREADS, interOpNumThreads: 1 };
  const variants = [['default', base]];
  if (TUNE) {
    variants.push(
      ['optimisation extended', { ...base, graphOptimizationLevel: 'extended' }],
      ['optimisation basic', { ...base, graphOptimizationLevel: 'basic' }],
      ['no memory arena', { ...base, enableCpuMemArena: false }],
      ['no memory pattern', { ...base, enableMemPattern: false }],
      ['1 thread', { ...base, intraOpNumThreads: 1 }],
      ['spinning threads', { ...base, extra: {} }],
    );
  }
  const result = { engine: 'onnxruntime-node', version: ort.env.versions?.node ?? '', threads: THREADS, cases: [] };
  for (const [kind, list] of [
    ['semantic', SIZES],
    ['interactive', INTERACTIVE],
  ]) {
    if (list.length === 0) continue;
    const bytes = new Uint8Array(fs.readFileSync(path.join(dir, `${kind}.onnx`)));
    for (const [variant, options] of variants) {
      const t0 = performance.now();
      const segmenter = await d.OnnxSegmenter.create(bytes, { runtime: ort, session: options });
      const sessionMs = round(performance.now() - t0, 0);
      for (const [h, w] of list) {
        const x = input(h, w, segmenter.inputChannels, h + w);
        // The network alone (ONNX Runtime's run, as PyTorch's and TF.js's forward are timed) …
        const forward = await time(async () => (await segmenter.run(x, h, w)).runMs);
        // … and one click of the interactive network / one image of the semantic one, end to end.
        const raw = kind === 'interactive' ? input(h, w, 5, 3).map((v) => Math.abs(v)) : undefined;
        const whole = await time(async () => {
          if (raw) await di.onnxProbability(segmenter, raw, w, h);
          else await segmenter.segmentPreprocessed(x, h, w);
        });
        result.cases.push({
          model: kind,
          size: `${h}x${w}`,
          variant,
          sessionMs,
          forward: { ...forward, medianMs: forward.innerMs },
          wholeCall: whole,
        });
      }
      await segmenter.dispose();
    }
  }
  result.peakMiB = peakMiB();
  return result;
}

/** PyTorch on the same graph, in a Python child. */
function torchChild() {
  const script = `
import json, resource, sys, time
import torch
import torch.nn.functional as F
depth, width, threads, repeats = ${DEPTH}, ${WIDTH}, ${THREADS}, ${REPEATS}
cases = ${JSON.stringify([
    ...SIZES.map(([h, w]) => ['semantic', 3, 21, h, w]),
    ...INTERACTIVE.map(([h, w]) => ['interactive', 5, 1, h, w]),
  ])}
torch.set_num_threads(threads)
blocks = {50: [3, 4, 6, 3], 101: [3, 4, 23, 3], 152: [3, 8, 36, 3]}[depth]
ch = lambda c: max(1, round(c * width))
g = torch.Generator().manual_seed(1)
def conv(cin, cout, k):
    return (torch.randn(cout, cin, k, k, generator=g) * (2.0 / (k * k * cin)) ** 0.5, torch.randn(cout, generator=g) * 0.1)
def build(cin, classes):
    net = {'conv1': conv(cin, ch(64), 7), 'units': [], 'aspp': []}
    c = ch(64)
    for s, (mid, stride, dil) in enumerate([(64, 1, 1), (128, 2, 1), (256, 1, 2), (512, 1, 4)]):
        for i in range(blocks[s]):
            m, o = ch(mid), ch(mid * 4)
            net['units'].append({'b1': conv(c, o, 1) if i == 0 else None, 'a': conv(c, m, 1), 'b': conv(m, m, 3), 'c': conv(m, o, 1),
                                 'stride': stride if i == 0 else 1, 'dil': dil})
            c = o
    net['aspp'] = [(conv(c, classes, 3), r) for r in (6, 12, 18, 24)]
    return net
def same2(x, k):  # TF 'SAME' padding of a stride-2 window k
    pads = []
    for n in (x.shape[3], x.shape[2]):
        total = max(0, (-(-n // 2) - 1) * 2 + k - n)
        pads += [total // 2, total - total // 2]
    return pads
def forward(net, x):
    w, b = net['conv1']
    x = F.relu(F.conv2d(F.pad(x, same2(x, 7)), w, b, stride=2))
    x = F.max_pool2d(F.pad(x, same2(x, 3), value=float('-inf')), 3, 2)
    for u in net['units']:
        s = x if u['b1'] is None else F.conv2d(x, *u['b1'], stride=u['stride'])
        r = F.relu(F.conv2d(x, *u['a'], stride=u['stride']))
        r = F.relu(F.conv2d(r, *u['b'], padding=u['dil'], dilation=u['dil']))
        r = F.conv2d(r, *u['c'])
        x = F.relu(s + r)
    return sum(F.conv2d(x, w, b, padding=rate, dilation=rate) for (w, b), rate in net['aspp'])
out = []
nets = {}
with torch.inference_mode():
    for kind, cin, classes, h, w in cases:
        net = nets.setdefault(kind, build(cin, classes))
        x = torch.randn(1, cin, h, w, generator=g) * 60
        for _ in range(${WARMUPS}): forward(net, x)
        times = []
        cpus = []
        for _ in range(repeats):
            c0 = time.process_time(); t0 = time.perf_counter(); forward(net, x)
            times.append((time.perf_counter() - t0) * 1000); cpus.append((time.process_time() - c0) * 1000)
        times_sorted = sorted(times)
        out.append({'model': kind, 'size': f'{h}x{w}', 'forward': {'medianMs': round(times_sorted[len(times) // 2]), 'cpuMs': round(sorted(cpus)[len(cpus) // 2]), 'allMs': [round(t) for t in times]}})
print(json.dumps({'engine': 'pytorch', 'version': torch.__version__, 'threads': torch.get_num_threads(), 'cases': out,
                  'peakMiB': round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}))
`;
  const stdout = execFileSync(PYTHON, ['-c', script], { encoding: 'utf8', maxBuffer: 1 << 24, stdio: ['ignore', 'pipe', 'pipe'] });
  return JSON.parse(stdout.trim().split('\n').pop());
}

/**
 * One image as a fresh process would do it (`objsel infer --backend onnx` without the image
 * codecs): import the library, read the file's head for the metadata, ONNX Runtime loads the
 * file by path, one 321x321 forward with upsampling and argmax. Times in the child, and the
 * whole process's wall time in the parent.
 */
async function coldChild(dir) {
  const t0 = performance.now();
  const d = await import(path.join(ROOT, 'packages/deeplab-resnet/dist/index.js'));
  const file = path.join(dir, 'semantic.onnx');
  const handle = await fs.promises.open(file);
  const head = new Uint8Array(65536);
  await handle.read(head, 0, head.length, 0);
  await handle.close();
  const t1 = performance.now();
  const segmenter = await d.OnnxSegmenter.create(file, { info: d.readOnnxInfo(head), session: { intraOpNumThreads: THREADS } });
  const t2 = performance.now();
  const [h, w] = SIZES[0] ?? [321, 321];
  await segmenter.segmentPreprocessed(input(h, w, 3, 1), h, w);
  const t3 = performance.now();
  await segmenter.dispose();
  return {
    size: `${h}x${w}`,
    importAndHeadMs: round(t1 - t0, 0),
    sessionMs: round(t2 - t1, 0),
    firstImageMs: round(t3 - t2, 0),
    peakMiB: peakMiB(),
  };
}

if (args[0] === '--child') {
  const engine = args[1];
  const dir = args[2];
  const result = engine === 'wasm' ? await wasmChild(dir) : engine === 'cold' ? await coldChild(dir) : await onnxChild(dir);
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}

const started = Date.now();
const loadAtStart = loadAverage();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'objsel-bench-onnx-'));
const runs = {};

const child = (engine) => {
  const out = execFileSync(process.execPath, [SELF, '--child', engine, dir, ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return JSON.parse(out.trim().split('\n').pop());
};
const errorOf = (error) =>
  String(error.stderr || error.message)
    .trim()
    .split('\n')
    .slice(-3)
    .join(' ');
try {
  // The wasm child writes the ONNX files, so it always runs first when onnx is wanted.
  if (ENGINES.includes('wasm') || ENGINES.includes('onnx')) {
    try {
      runs.wasm = child('wasm');
    } catch (error) {
      runs.wasm = { error: errorOf(error) };
    }
  }
  if (ENGINES.includes('onnx')) {
    try {
      runs.onnx = child('onnx');
    } catch (error) {
      runs.onnx = { error: errorOf(error) };
    }
  }
  if (ENGINES.includes('onnx') && SIZES.length) {
    try {
      const t0 = performance.now();
      const cold = child('cold');
      runs.onnxColdProcess = { ...cold, processMs: round(performance.now() - t0, 0) };
    } catch (error) {
      runs.onnxColdProcess = { error: errorOf(error) };
    }
  }
  if (ENGINES.includes('torch')) {
    if (!PYTHON) runs.torch = { skipped: 'no Python with torch given (--python or OBJSEL_BENCH_PYTHON)' };
    else {
      try {
        runs.torch = torchChild();
      } catch (error) {
        runs.torch = { error: errorOf(error) };
      }
    }
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}

// Ratios of the median forwards (default ONNX Runtime session).
const find = (run, model, size) => run?.cases?.find((c) => c.model === model && c.size === size && (c.variant ?? 'default') === 'default');
const comparisons = [];
for (const [model, list] of [
  ['semantic', SIZES],
  ['interactive', INTERACTIVE],
]) {
  for (const [h, w] of list) {
    const size = `${h}x${w}`;
    const onnx = find(runs.onnx, model, size);
    const wasm = find(runs.wasm, model, size);
    const torch = find(runs.torch, model, size);
    const row = { model, size };
    if (onnx) {
      row.onnxMs = onnx.forward.medianMs;
      row.onnxWholeCallMs = onnx.wholeCall.medianMs;
    }
    if (wasm) row.wasmMs = wasm.forward.medianMs;
    if (torch) row.torchMs = torch.forward.medianMs;
    if (onnx && torch) row.onnxOverTorch = round(onnx.forward.medianMs / torch.forward.medianMs, 2);
    // CPU time (all threads) is what a shared machine distorts least.
    if (onnx && torch && torch.forward.cpuMs) row.onnxOverTorchCpu = round(onnx.forward.cpuMs / torch.forward.cpuMs, 2);
    if (onnx && wasm) row.onnxOverWasm = round(onnx.forward.medianMs / wasm.forward.medianMs, 2);
    comparisons.push(row);
  }
}
process.stdout.write(
  `${JSON.stringify({
    benchmark: 'onnx',
    network: `DeepLab-v2 ResNet-${DEPTH}${WIDTH === 1 ? '' : ` width x${WIDTH}`}, BatchNorm folded, batch 1`,
    node: process.version,
    cpus: os.cpus().length,
    threads: THREADS,
    repeats: REPEATS,
    loadAverageAtStart: loadAtStart,
    loadAverageAtEnd: loadAverage(),
    seconds: round((Date.now() - started) / 1000, 1),
    targets: { onnxOverTorch: '<= 0.75', interactiveClickMs: '< 600', coldProcessMs: '< 1500 (objsel infer, whole process)' },
    comparisons,
    runs,
  })}\n`,
);
