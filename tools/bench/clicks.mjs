#!/usr/bin/env node
// Benchmark of @objsel/clicks (runs against the built dist/: npx nx run clicks:build, and
// voc-data's for decoding the fixture photo).
//
// - distanceMaps: the two click maps of a 500x375 image (5 positive, 30 negative clicks), the
//   generic mask EDT (squaredDistanceToSet) of a 500x375 mask, and the robot's nextClick.
//   Issue target: within 2x of OpenCV's exact EDT (1.5 ms), i.e. 3 ms.
// - graphCut: the whole graphCut call (sigma, energy terms, padded grid graph, max-flow, energy
//   check) on the 500x334 4-connected grid (and 8-connected) of the VOC fixture photo
//   2007_000129 (334x500, transposed to 500x334) with a probability map simulated from its
//   person mask the way a stride-8 network blurs it; the grid max-flow alone, the generic CSR
//   max-flow alone and sigma alone. Issue target: Kolmogorov's C++ max-flow via PyMaxflow,
//   0.15 s build + cut.
// - --sweep: mean IoU of graph cut vs thresholding over lambda on the six objects of the fixture
//   photos (the evidence behind DEFAULT_LAMBDA).
// - --scipy: the same EDT through SciPy (python3 + scipy), under the same load, for reference.
// - --reference: compiles (g++) a small harness against the system's Kolmogorov maxflow library
//   (Debian libmaxflow-dev, the BK code PyMaxflow wraps) and OpenCV (libopencv-imgproc-dev), and
//   times build + cut of the very same graph and OpenCV's exact EDT of the same clicks, under the
//   same load; also checks that both max-flows agree. Nothing of it ships with the package.
//
// Times: min and median over --repeat runs of wall time and of process CPU time; the machine is
// shared, so min is the meaningful number. Prints one JSON object.
//
//   node tools/bench/clicks.mjs [--repeat N] [--sweep] [--scipy] [--reference]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const clicks = await import(path.join(ROOT, 'packages/clicks/dist/index.js'));
const voc = await import(path.join(ROOT, 'packages/voc-data/dist/index.js'));
const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const REPEAT = Number(flag('--repeat', '30'));
const FIXTURES = process.env.OBJSEL_FIXTURES ?? path.resolve(ROOT, '../shared/fixtures');

/** Min and median wall and CPU milliseconds of `repeat` runs after `warm` warm-up runs. */
function time(fn, repeat = REPEAT, warm = 3) {
  for (let i = 0; i < warm; i++) fn();
  const wall = [];
  const cpu = [];
  for (let i = 0; i < repeat; i++) {
    const c = process.cpuUsage();
    const t = performance.now();
    fn();
    wall.push(performance.now() - t);
    const d = process.cpuUsage(c);
    cpu.push((d.user + d.system) / 1000);
  }
  const stats = (a) => {
    a.sort((x, y) => x - y);
    return { min: +a[0].toFixed(3), median: +a[a.length >> 1].toFixed(3) };
  };
  return { wallMs: stats(wall), cpuMs: stats(cpu), runs: repeat };
}

function lcg(seed) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

/**
 * A probability map as a stride-8 network would give: the signed distance to the object's
 * boundary sampled on a coarse grid (plus noise), bilinearly upsampled, through a sigmoid.
 */
function simulateProbability(gt, width, height, seed, noise) {
  const r = lcg(seed);
  const inside = clicks.distanceToSet(gt, width, height, { of: 'zero' });
  const outside = clicks.distanceToSet(gt, width, height, { of: 'nonzero' });
  const S = 8;
  const gw = Math.ceil(width / S) + 2;
  const gh = Math.ceil(height / S) + 2;
  const coarse = new Float64Array(gw * gh);
  for (let gy = 0; gy < gh; gy++) {
    for (let gx = 0; gx < gw; gx++) {
      const i = Math.min(height - 1, gy * S) * width + Math.min(width - 1, gx * S);
      coarse[gy * gw + gx] = Math.max(-30, Math.min(30, gt[i] ? inside[i] : -outside[i])) + (r() - 0.5) * noise;
    }
  }
  const probs = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const fx = x / S;
      const fy = y / S;
      const x0 = Math.floor(fx);
      const y0 = Math.floor(fy);
      const tx = fx - x0;
      const ty = fy - y0;
      const v =
        (1 - tx) * (1 - ty) * coarse[y0 * gw + x0] +
        tx * (1 - ty) * coarse[y0 * gw + x0 + 1] +
        (1 - tx) * ty * coarse[(y0 + 1) * gw + x0] +
        tx * ty * coarse[(y0 + 1) * gw + x0 + 1];
      probs[y * width + x] = 1 / (1 + Math.exp(-v / 3));
    }
  }
  return probs;
}

function transpose(data, width, height, channels) {
  const out = new data.constructor(data.length);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      for (let c = 0; c < channels; c++) out[(x * height + y) * channels + c] = data[(y * width + x) * channels + c];
  return out;
}

const report = { machine: { node: process.version, cpus: os.cpus().length, loadavg: os.loadavg().map((v) => +v.toFixed(2)) } };

const HARNESS = String.raw`
#include <maxflow.h>
#include <opencv2/imgproc.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <vector>
using namespace std;
static double now() { return chrono::duration<double, milli>(chrono::steady_clock::now().time_since_epoch()).count(); }
static double cpu() { return 1000.0 * clock() / CLOCKS_PER_SEC; }
static void report(vector<double> t, vector<double> c, double extra) {
  sort(t.begin(), t.end()); sort(c.begin(), c.end());
  printf("{\"min\":%.3f,\"median\":%.3f,\"cpuMin\":%.3f,\"cpuMedian\":%.3f,\"value\":%.9f}\n", t[0], t[t.size() / 2], c[0], c[c.size() / 2], extra);
}
int main(int argc, char** argv) {
  ifstream in(argv[2], ios::binary);
  int hdr[3]; in.read((char*)hdr, sizeof hdr);
  int W = hdr[0], H = hdr[1], R = hdr[2], n = W * H;
  if (string(argv[1]) == "graph") {
    vector<double> src(n), snk(n), right(n), down(n);
    in.read((char*)src.data(), n * 8); in.read((char*)snk.data(), n * 8);
    in.read((char*)right.data(), n * 8); in.read((char*)down.data(), n * 8);
    vector<double> t, c; double flow = 0;
    for (int r = 0; r < R + 1; r++) {
      double t0 = now(), c0 = cpu();
      maxflow::Graph_DDD g(n, 2 * n);
      g.add_node(n);
      for (int i = 0; i < n; i++) g.add_tweights(i, src[i], snk[i]);
      for (int y = 0; y < H; y++) for (int x = 0; x < W; x++) {
        int i = y * W + x;
        if (x + 1 < W) g.add_edge(i, i + 1, right[i], right[i]);
        if (y + 1 < H) g.add_edge(i, i + W, down[i], down[i]);
      }
      flow = g.maxflow();
      if (r > 0) t.push_back(now() - t0), c.push_back(cpu() - c0);
    }
    report(t, c, flow);
  } else {
    int P; in.read((char*)&P, 4);
    vector<int> pts(2 * P); in.read((char*)pts.data(), 8 * P);
    vector<char> pos(P); in.read(pos.data(), P);
    vector<double> t, c; double sum = 0;
    for (int r = 0; r < R + 3; r++) {
      double t0 = now(), c0 = cpu();
      cv::Mat a(H, W, CV_8U, cv::Scalar(255)), b(H, W, CV_8U, cv::Scalar(255)), da, db;
      for (int k = 0; k < P; k++) (pos[k] ? a : b).at<unsigned char>(pts[2 * k + 1], pts[2 * k]) = 0;
      cv::distanceTransform(a, da, cv::DIST_L2, cv::DIST_MASK_PRECISE);
      cv::distanceTransform(b, db, cv::DIST_L2, cv::DIST_MASK_PRECISE);
      cv::min(da, 255.0, da); cv::min(db, 255.0, db);
      if (r >= 3) t.push_back(now() - t0), c.push_back(cpu() - c0);
      sum = cv::sum(da)[0] + cv::sum(db)[0];
    }
    report(t, c, sum);
  }
  return 0;
}
`;

/** Compiles the reference harness once; returns its path or an error string. */
function buildHarness() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'objsel-clicks-ref-'));
  fs.writeFileSync(path.join(dir, 'ref.cpp'), HARNESS);
  const exe = path.join(dir, 'ref');
  const p = spawnSync(
    'g++',
    [
      '-O2',
      '-o',
      exe,
      path.join(dir, 'ref.cpp'),
      '-I/usr/include/maxflow-3.0',
      '-I/usr/include/opencv4',
      '-lmaxflow',
      '-lopencv_imgproc',
      '-lopencv_core',
    ],
    { encoding: 'utf8' },
  );
  return p.status === 0 ? exe : `unavailable (g++ + libmaxflow-dev + libopencv-imgproc-dev needed): ${p.stderr.trim().split('\n')[0]}`;
}
const harness = args.includes('--reference') ? buildHarness() : null;
function runHarness(mode, header, payload) {
  if (typeof harness !== 'string' || !harness.startsWith('/')) return harness;
  const file = path.join(path.dirname(harness), `${mode}.bin`);
  fs.writeFileSync(
    file,
    Buffer.concat([Buffer.from(Int32Array.from(header).buffer), ...payload.map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength))]),
  );
  const p = spawnSync(harness, [mode, file], { encoding: 'utf8' });
  return p.status === 0 ? JSON.parse(p.stdout) : `failed: ${p.stderr.trim()}`;
}

// --- distance maps -----------------------------------------------------------------------
{
  const W = 500;
  const H = 375;
  const r = lcg(1);
  const pos = Array.from({ length: 5 }, () => ({ x: Math.floor(r() * W), y: Math.floor(r() * H) }));
  const neg = Array.from({ length: 30 }, () => ({ x: Math.floor(r() * W), y: Math.floor(r() * H) }));
  const mask = new Uint8Array(W * H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) if (((x - 250) / 150) ** 2 + ((y - 187) / 110) ** 2 < 1) mask[y * W + x] = 1;
  const out = new Float64Array(W * H);
  const empty = new Uint8Array(W * H);
  report.distanceMaps = {
    size: `${W}x${H}`,
    clicks: { positive: pos.length, negative: neg.length },
    targetMs: 3,
    opencvMs: 1.5,
    maps: time(() => clicks.distanceMaps(W, H, pos, neg)),
    maskEdt: time(() => clicks.squaredDistanceToSet(mask, W, H, { out })),
    nextClickEmptyPrediction: time(() => clicks.nextClick(mask, empty, W, H)),
  };
  if (harness) {
    const all = [...pos.map((p) => [p, 1]), ...neg.map((p) => [p, 0])];
    const ref = runHarness(
      'edt',
      [W, H, REPEAT],
      [Int32Array.of(all.length), Int32Array.from(all.flatMap(([p]) => [p.x, p.y])), Uint8Array.from(all, ([, k]) => k)],
    );
    if (typeof ref === 'object') {
      const ours = clicks.distanceMaps(W, H, pos, neg).reduce((a, v) => a + v, 0);
      report.distanceMaps.opencvSameLoad = {
        wallMs: { min: ref.min, median: ref.median },
        cpuMs: { min: ref.cpuMin, median: ref.cpuMedian },
        sumDifference: +Math.abs(ref.value - ours).toFixed(3),
      };
    } else report.distanceMaps.opencvSameLoad = ref;
  }
  if (args.includes('--scipy')) {
    const py = `
import numpy as np, time
from scipy.ndimage import distance_transform_edt
m = np.ones((${H}, ${W}))
rng = np.random.default_rng(1)
for x, y in zip(rng.integers(0, ${W}, 35), rng.integers(0, ${H}, 35)): m[y, x] = 0
ts = []
for i in range(${REPEAT} + 3):
    t = time.perf_counter(); distance_transform_edt(m); ts.append((time.perf_counter() - t) * 1000)
ts = sorted(ts[3:]); print(ts[0], ts[len(ts) // 2])`;
    const p = spawnSync('python3', ['-c', py], { encoding: 'utf8' });
    if (p.status === 0) {
      const [min, median] = p.stdout.trim().split(/\s+/).map(Number);
      report.distanceMaps.scipyOneMapWallMs = { min: +min.toFixed(3), median: +median.toFixed(3) };
    } else report.distanceMaps.scipyOneMapWallMs = `unavailable: ${p.stderr.trim().split('\n').pop()}`;
  }
}

// --- graph cut ---------------------------------------------------------------------------
{
  const image = voc.decodeImageSync(new Uint8Array(fs.readFileSync(path.join(FIXTURES, 'deeplab/2007_000129.jpg'))));
  const label = voc.decodeLabel(new Uint8Array(fs.readFileSync(path.join(FIXTURES, 'deeplab/2007_000129.png'))));
  // 334x500 portrait -> 500x334 as in the issue.
  const W = image.height;
  const H = image.width;
  const rgb = transpose(image.data, image.width, image.height, 3);
  const gt = transpose(
    Uint8Array.from(label.data, (v) => (v === 15 ? 1 : 0)),
    image.width,
    image.height,
    1,
  );
  const probs = simulateProbability(gt, W, H, 7, 16);
  const run = (connectivity) => clicks.graphCut({ probs, image: rgb, width: W, height: H, connectivity });
  const result = run(4);
  const thresholdIou = clicks.maskIou(
    gt,
    Uint8Array.from(probs, (p) => (p >= 0.5 ? 1 : 0)),
  );
  report.graphCut = {
    size: `${W}x${H}`,
    image: '2007_000129.jpg (transposed), person mask, simulated stride-8 probabilities',
    targetMs: 150,
    lambda: result.lambda,
    sigma: +result.sigma.toFixed(3),
    energyMinusFlow: result.energy - result.flow,
    iou: { threshold: +thresholdIou.toFixed(4), graphCut: +clicks.maskIou(gt, result.mask).toFixed(4) },
    fourConnected: time(() => run(4), Math.max(5, Math.round(REPEAT / 3)), 1),
    genericBuildGridGraph: time(
      () => clicks.buildGridGraph({ probs, image: rgb, width: W, height: H }),
      Math.max(5, Math.round(REPEAT / 3)),
      1,
    ),
    eightConnected: time(() => run(8), Math.max(5, Math.round(REPEAT / 3)), 1),
  };
  {
    // The max-flows alone, on fresh copies of the same graph made outside the timed region: the
    // grid solver graphCut uses (padded layout) and the generic CSR one.
    const grid = clicks.buildGridGraph({ probs, image: rgb, width: W, height: H }).graph;
    const padded = () => {
      const { capacity, terminal } = clicks.allocatePaddedGrid(W, H, 4);
      for (let i = 0; i < W * H; i++) {
        const p = clicks.paddedIndex(W, i % W, Math.floor(i / W));
        terminal[p] = grid.terminal[i];
        for (let d = 0; d < 4; d++) if (grid.head[4 * i + d] !== i) capacity[4 * p + d] = grid.capacity[4 * i + d];
      }
      return { width: W, height: H, stride: 4, capacity, terminal, constantFlow: grid.constantFlow };
    };
    const timeCopies = (make, solve) => {
      const wall = [];
      const cpu = [];
      for (let k = 0; k < Math.max(5, Math.round(REPEAT / 3)) + 1; k++) {
        const g = make();
        const c = process.cpuUsage();
        const t = performance.now();
        solve(g);
        if (k === 0) continue;
        wall.push(performance.now() - t);
        const d = process.cpuUsage(c);
        cpu.push((d.user + d.system) / 1000);
      }
      const stats = (a) => (a.sort((x, y) => x - y), { min: +a[0].toFixed(3), median: +a[a.length >> 1].toFixed(3) });
      return { wallMs: stats(wall), cpuMs: stats(cpu), runs: wall.length };
    };
    report.graphCut.gridMaxflowOnly = timeCopies(padded, clicks.gridMaxflow);
    report.graphCut.genericMaxflowOnly = timeCopies(
      () => ({ ...grid, capacity: grid.capacity.slice(), terminal: grid.terminal.slice() }),
      clicks.maxflow,
    );
    report.graphCut.sigmaOnly = time(() => clicks.estimateSigma(rgb, W, H, 4), Math.max(5, Math.round(REPEAT / 3)), 1);
  }
  if (harness) {
    // The same graph for Kolmogorov's C++: terminal capacities U(0), U(1) and the n-link weights.
    const grid = clicks.buildGridGraph({ probs, image: rgb, width: W, height: H });
    const right = new Float64Array(W * H);
    const down = new Float64Array(W * H);
    for (let i = 0; i < W * H; i++) {
      right[i] = grid.graph.capacity[i * 4 + 1];
      down[i] = grid.graph.capacity[i * 4 + 3];
    }
    const ref = runHarness('graph', [W, H, Math.max(5, Math.round(REPEAT / 3))], [grid.unary0, grid.unary1, right, down]);
    report.graphCut.kolmogorovCppSameLoad =
      typeof ref === 'object'
        ? {
            wallMs: { min: ref.min, median: ref.median },
            cpuMs: { min: ref.cpuMin, median: ref.cpuMedian },
            flow: ref.value,
            flowDifference: ref.value - result.flow,
          }
        : ref;
  }
}

// --- lambda sweep ------------------------------------------------------------------------
if (args.includes('--sweep')) {
  const objects = [];
  {
    const im = voc.decodeImageSync(new Uint8Array(fs.readFileSync(path.join(FIXTURES, 'deeplab/2007_000129.jpg'))));
    const lab = voc.decodeLabel(new Uint8Array(fs.readFileSync(path.join(FIXTURES, 'deeplab/2007_000129.png'))));
    for (const c of [2, 15])
      objects.push({
        image: im,
        gt: Uint8Array.from(lab.data, (v) => (v === c ? 1 : 0)),
        ignore: Uint8Array.from(lab.data, (v) => (v === 255 ? 1 : 0)),
      });
  }
  // pydensecrf's example outputs: each colour covering 2-60% of the image is an object.
  for (const k of [1, 2, 3]) {
    const im = voc.decodeImageSync(new Uint8Array(fs.readFileSync(path.join(FIXTURES, `pydensecrf/im${k}.png`))));
    const out = voc.decodeImageSync(new Uint8Array(fs.readFileSync(path.join(FIXTURES, `pydensecrf/out${k}.png`))));
    const n = im.width * im.height;
    const key = (i) => (out.data[3 * i] << 16) | (out.data[3 * i + 1] << 8) | out.data[3 * i + 2];
    const counts = new Map();
    for (let i = 0; i < n; i++) counts.set(key(i), (counts.get(key(i)) ?? 0) + 1);
    for (const [colour, count] of counts)
      if (count > 0.02 * n && count < 0.6 * n)
        objects.push({ image: im, gt: Uint8Array.from({ length: n }, (_, i) => (key(i) === colour ? 1 : 0)) });
  }
  const sweep = { objects: objects.length, lambdas: [1, 2, 5, 10, 20, 50, 100, 200], noise: {} };
  for (const noise of [4, 16]) {
    const cases = [];
    objects.forEach((o, k) => {
      for (let t = 0; t < 3; t++) cases.push({ o, probs: simulateProbability(o.gt, o.image.width, o.image.height, k * 10 + t + 1, noise) });
    });
    const mean = (f) => +(cases.reduce((s, c) => s + f(c), 0) / cases.length).toFixed(4);
    const entry = {
      threshold: mean((c) =>
        clicks.maskIou(
          c.o.gt,
          Uint8Array.from(c.probs, (p) => (p >= 0.5 ? 1 : 0)),
          c.o.ignore,
        ),
      ),
    };
    for (const connectivity of [4, 8]) {
      entry[`connectivity${connectivity}`] = Object.fromEntries(
        sweep.lambdas.map((lambda) => [
          lambda,
          mean((c) =>
            clicks.maskIou(
              c.o.gt,
              clicks.graphCut({
                probs: c.probs,
                image: c.o.image.data,
                width: c.o.image.width,
                height: c.o.image.height,
                lambda,
                connectivity,
              }).mask,
              c.o.ignore,
            ),
          ),
        ]),
      );
    }
    sweep.noise[noise] = entry;
  }
  report.lambdaSweep = sweep;
}

process.stdout.write(`${JSON.stringify(report)}\n`);
