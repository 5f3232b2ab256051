#!/usr/bin/env node
// Benchmark of @objsel/dense-crf: a 500x375 image, 21 labels, DCSP's parameters (10 iterations)
// and pydensecrf's example parameters (5 iterations), timed like a pydensecrf user's code:
// DenseCRF2D → setUnaryEnergy → addPairwiseGaussian → addPairwiseBilateral → inference → dispose.
// Images: the pydensecrf example photos resized (bilinear) to 500x375; probabilities: a seeded
// smooth synthetic softmax. Best (min) and median of --repeat runs; the machine is shared, so
// the minimum is the meaningful number. Runs against the built dist/ (npx nx run dense-crf:build).
//
//   node tools/bench/dense-crf.mjs [--repeat N] [--threads 1,2] [--images 1,2,3] [--js]
//                                  [--reference BIN] [--python BIN]
//
// --reference BIN runs an external densecrf build on the same inputs, alternating with ours, for
// a side-by-side number under the same load. BIN is called as
//   BIN W H LABELS ITERS GAUSS_SXY GAUSS_W BIL_SXY BIL_SRGB BIL_W REPEAT image.rgb unary.f32 q.f32
// (image: H·W·3 bytes; unary: float32 pixel-major [N, LABELS]; it writes Q the same way and
// prints {"total","setup","inference"} in seconds). `--python BIN` makes pydensecrf the reference:
// BIN (a Python with numpy and pydensecrf) runs tools/bench/python/densecrf_reference.py.
// Prints one JSON object.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decode, convertIndexedToRgb } from 'fast-png';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const crf = await import(path.join(ROOT, 'packages/dense-crf/dist/index.js'));
const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const REPEAT = Number(flag('--repeat', '5'));
const THREADS = flag('--threads', '1,2').split(',').map(Number);
const IMAGES = flag('--images', '1,2,3').split(',').map(Number);
const PYTHON = flag('--python', null);
/** The reference program and its leading arguments. */
const REFERENCE = PYTHON
  ? [PYTHON, path.join(path.dirname(fileURLToPath(import.meta.url)), 'python/densecrf_reference.py')]
  : flag('--reference', null) && [flag('--reference', null)];
const W = 500;
const H = 375;
const L = 21;
const N = W * H;
const FIXTURES = process.env.OBJSEL_FIXTURES ?? path.resolve(ROOT, '../shared/fixtures');

function resizedImage(k) {
  const png = decode(fs.readFileSync(path.join(FIXTURES, `pydensecrf/im${k}.png`)));
  const data = png.palette ? convertIndexedToRgb(png) : png.data;
  const ch = data.length / (png.width * png.height);
  const out = new Uint8Array(N * 3);
  for (let y = 0; y < H; y++) {
    const fy = Math.min(png.height - 1, ((y + 0.5) * png.height) / H - 0.5);
    const y0 = Math.max(0, Math.floor(fy));
    const y1 = Math.min(png.height - 1, y0 + 1);
    const ty = Math.max(0, fy - y0);
    for (let x = 0; x < W; x++) {
      const fx = Math.min(png.width - 1, ((x + 0.5) * png.width) / W - 0.5);
      const x0 = Math.max(0, Math.floor(fx));
      const x1 = Math.min(png.width - 1, x0 + 1);
      const tx = Math.max(0, fx - x0);
      for (let c = 0; c < 3; c++) {
        const at = (yy, xx) => data[(yy * png.width + xx) * ch + c];
        const v = (1 - ty) * ((1 - tx) * at(y0, x0) + tx * at(y0, x1)) + ty * ((1 - tx) * at(y1, x0) + tx * at(y1, x1));
        out[(y * W + x) * 3 + c] = Math.round(v);
      }
    }
  }
  return out;
}

/** A smooth synthetic softmax [L, N]: Gaussian blobs per label plus noise, seeded. */
function syntheticProbs(seed) {
  let s = seed >>> 0;
  const rnd = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const blobs = Array.from({ length: L * 3 }, () => ({
    l: Math.floor(rnd() * L),
    x: rnd() * W,
    y: rnd() * H,
    r: 40 + rnd() * 120,
    a: 1 + rnd() * 4,
  }));
  const p = new Float32Array(L * N);
  const v = new Float64Array(L);
  for (let i = 0; i < N; i++) {
    const x = i % W;
    const y = Math.floor(i / W);
    v.fill(0);
    for (const b of blobs) v[b.l] += b.a * Math.exp(-((x - b.x) ** 2 + (y - b.y) ** 2) / (2 * b.r * b.r));
    let m = -Infinity;
    for (let l = 0; l < L; l++) m = Math.max(m, (v[l] += rnd() * 0.5));
    let sum = 0;
    for (let l = 0; l < L; l++) sum += v[l] = Math.exp(2 * (v[l] - m));
    for (let l = 0; l < L; l++) p[l * N + i] = v[l] / sum;
  }
  return p;
}

const CASES = [
  { name: 'dcsp', preset: 'dcsp' },
  { name: 'pydensecrf-example', preset: 'pydensecrf-example' },
];

function runOnce(image, unary, params, options) {
  const t0 = performance.now();
  const d = new crf.DenseCRF2D(W, H, L, options);
  d.setUnaryEnergy(unary);
  d.addPairwiseGaussian({ sxy: params.gaussian.sxy, compat: params.gaussian.compat });
  d.addPairwiseBilateral({ sxy: params.bilateral.sxy, srgb: params.bilateral.srgb, rgbim: image, compat: params.bilateral.compat });
  const t1 = performance.now();
  const q = d.inference(params.iterations);
  d.dispose(); // hands the WebAssembly memory to the next run, as crfRefine does
  const t2 = performance.now();
  return { total: (t2 - t0) / 1000, setup: (t1 - t0) / 1000, inference: (t2 - t1) / 1000, q };
}

const summary = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return { min: +s[0].toFixed(3), median: +s[Math.floor(s.length / 2)].toFixed(3) };
};

function agreement(qa, qb) {
  const a = crf.argmaxLabels(qa, N, L);
  const b = crf.argmaxLabels(qb, N, L);
  let same = 0;
  for (let i = 0; i < N; i++) if (a[i] === b[i]) same++;
  return +(same / N).toFixed(5);
}

const tmp = REFERENCE ? fs.mkdtempSync(path.join(os.tmpdir(), 'dense-crf-bench-')) : null;
const results = [];
for (const c of CASES) {
  const params = crf.crfPreset(c.preset);
  for (const k of IMAGES) {
    const image = resizedImage(k);
    const unary = crf.unaryFromSoftmax(syntheticProbs(1000 + k));
    const row = { case: c.name, image: `im${k}.png@${W}x${H}`, labels: L, iterations: params.iterations, params };
    let reference = null;
    if (REFERENCE) {
      fs.writeFileSync(path.join(tmp, 'image.rgb'), image);
      fs.writeFileSync(path.join(tmp, 'unary.f32'), crf.chwToHwc(unary, N, L));
      reference = { total: [], setup: [], inference: [] };
    }
    for (const threads of THREADS) {
      const times = { total: [], setup: [], inference: [] };
      let q;
      for (let r = 0; r < REPEAT; r++) {
        const res = runOnce(image, unary, params, { threads });
        for (const key of ['total', 'setup', 'inference']) times[key].push(res[key]);
        q = res.q;
        if (reference && threads === THREADS[0]) {
          const { bilateral: b, gaussian: g } = params;
          const out = spawnSync(
            REFERENCE[0],
            [
              ...REFERENCE.slice(1),
              ...[W, H, L, params.iterations, g.sxy, g.compat, b.sxy, b.srgb, b.compat, 1, 'image.rgb', 'unary.f32', 'q.f32'].map(String),
            ],
            { cwd: tmp, encoding: 'utf8' },
          );
          if (out.status !== 0) throw new Error(`reference failed: ${out.stderr}`);
          const t = JSON.parse(out.stdout.trim().split('\n').pop());
          for (const key of ['total', 'setup', 'inference']) reference[key].push(t[key]);
        }
      }
      row[`threads${threads}`] = { seconds: summary(times.total), setup: summary(times.setup), inference: summary(times.inference) };
      if (reference && threads === THREADS[0]) {
        const refQ = crf.hwcToChw(new Float32Array(fs.readFileSync(path.join(tmp, 'q.f32')).buffer.slice(0)), N, L);
        row.reference = {
          seconds: summary(reference.total),
          setup: summary(reference.setup),
          inference: summary(reference.inference),
          labelAgreement: agreement(q, refQ),
        };
      }
    }
    if (args.includes('--js') && k === IMAGES[0]) {
      const res = runOnce(image, unary, params, { engine: 'js' });
      row.jsEngine = { seconds: +res.total.toFixed(3), setup: +res.setup.toFixed(3), inference: +res.inference.toFixed(3) };
    }
    results.push(row);
  }
}
if (tmp) fs.rmSync(tmp, { recursive: true, force: true });

const best = (name, threads) =>
  Math.min(...results.filter((r) => r.case === name && r[`threads${threads}`]).map((r) => r[`threads${threads}`].seconds.min));
console.log(
  JSON.stringify({
    benchmark: 'dense-crf',
    node: process.version,
    cpus: os.cpus().length,
    loadavg: os.loadavg().map((v) => +v.toFixed(2)),
    note: 'seconds: min/median over --repeat runs of DenseCRF2D construction + unary + both pairwise terms + inference; shared machine, min is meaningful',
    wasmSimd: crf.wasmSimdSupported(),
    threadsSupported: crf.threadsSupported(),
    repeat: REPEAT,
    reference: REFERENCE ? REFERENCE.join(' ') : null,
    pydensecrfBaselineSeconds: REFERENCE ? undefined : 0.75,
    best: Object.fromEntries(CASES.flatMap((c) => THREADS.map((t) => [`${c.name}/threads${t}`, best(c.name, t)]))),
    results,
  }),
);
