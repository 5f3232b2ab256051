#!/usr/bin/env node
// Benchmark of @objsel/voc-data's input pipeline: read + decode + augment (random scale, mirror,
// pad, 321x321 crop, BGR - mean) + batch of 500x375 VOC-like JPEGs with index-PNG labels, the
// DeepLab train.py settings (batch 10). Measures images/s with the prefetching loader on 0
// (in-process), 1 and 2 worker threads, per-stage CPU cost, and how long a consumer that
// "trains" for --step-ms per batch waits for data. Prints one JSON object.
// Runs against the built dist/ (npx nx run voc-data:build).
//   node tools/bench/voc-data.mjs [--images 40] [--batches 20] [--step-ms 150] [--keep]
// The machine may be shared: wall-clock rates are noisy; cpuMsPerImage is the steadier figure.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DIST = path.join(ROOT, 'packages/voc-data/dist/index.js');
const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const IMAGES = flag('--images', 40);
const BATCHES = flag('--batches', 20);
const STEP_MS = flag('--step-ms', 150);
const BATCH = 10;
const round = (v, d = 1) => Math.round(v * 10 ** d) / 10 ** d;

const lib = await import(DIST);
const {
  renderSyntheticSample,
  encodeJpeg,
  encodePng,
  parseList,
  createLoader,
  decodeImage,
  decodeImageSync,
  decodeLabel,
  augment,
  stackBatch,
  SampleRng,
  loadSharpCodec,
  pureJsCodec,
  setImageCodec,
  defaultImageCodec,
} = lib;

// 1. A VOC-like set: 500x375 photos-like JPEGs (quality 90) with grey index labels.
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'objsel-bench-voc-'));
fs.mkdirSync(path.join(dir, 'JPEGImages'));
fs.mkdirSync(path.join(dir, 'SegmentationClassAug'));
const lines = [];
for (let i = 0; i < IMAGES; i++) {
  const s = renderSyntheticSample(i, {
    count: IMAGES,
    seed: 7,
    width: 500,
    height: 375,
    classes: 20,
    minObjects: 2,
    maxObjects: 5,
    minSize: 80,
    maxSize: 300,
  });
  fs.writeFileSync(path.join(dir, 'JPEGImages', `${s.id}.jpg`), encodeJpeg(s.image, 90));
  fs.writeFileSync(
    path.join(dir, 'SegmentationClassAug', `${s.id}.png`),
    encodePng({ width: 500, height: 375, channels: 1, data: s.classLabel }),
  );
  lines.push(`/JPEGImages/${s.id}.jpg /SegmentationClassAug/${s.id}.png`);
}
const entries = parseList(lines.join('\n'), { dataDir: dir });
const jpgBytes = fs.readFileSync(path.join(dir, 'JPEGImages', `${entries[0].id}.jpg`));
const pngBytes = fs.readFileSync(path.join(dir, 'SegmentationClassAug', `${entries[0].id}.png`));
const AUG = { crop: [321, 321], randomScale: true, randomMirror: true };

// 2. Per-stage CPU cost on this thread (process CPU time, so other load on the machine matters less).
async function cpuMs(fn, n) {
  for (let i = 0; i < 10; i++) await fn(); // let the JIT settle
  const c = process.cpuUsage();
  const t = performance.now();
  for (let i = 0; i < n; i++) await fn();
  const u = process.cpuUsage(c);
  return { cpuMs: round((u.user + u.system) / 1000 / n, 2), wallMs: round((performance.now() - t) / n, 2) };
}
const sharp = await loadSharpCodec();
const image = decodeImageSync(jpgBytes);
const label = decodeLabel(pngBytes).data;
const rng = new SampleRng(1);
const one = augment(image, label, AUG, rng);
const stages = {
  decodeJpegSharp: sharp ? await cpuMs(() => decodeImage(jpgBytes, 'x.jpg', sharp), 40) : null,
  decodeJpegJs: await cpuMs(() => decodeImageSync(jpgBytes), 15),
  decodeLabelPng: await cpuMs(() => decodeLabel(pngBytes), 60),
  augment321: await cpuMs(() => augment(image, label, AUG, rng), 60),
  stackPerImage: await cpuMs(() => stackBatch(Array.from({ length: BATCH }, () => ({ ...one, id: 'x' }))), 20).then((r) => ({
    cpuMs: round(r.cpuMs / BATCH, 2),
    wallMs: round(r.wallMs / BATCH, 2),
  })),
};
const perImageCpu =
  (stages.decodeJpegSharp ?? stages.decodeJpegJs).cpuMs +
  stages.decodeLabelPng.cpuMs +
  stages.augment321.cpuMs +
  stages.stackPerImage.cpuMs;

// 3. Loader throughput: as fast as possible, after one warm-up batch (worker start-up).
async function throughput(workers, codec) {
  if (codec) setImageCodec(codec);
  const loader = await createLoader(entries, { ...AUG, batchSize: BATCH, seed: 1234, workers, prefetch: 4 });
  await loader.next();
  const t0 = performance.now();
  for (let i = 0; i < BATCHES; i++) await loader.next();
  const seconds = (performance.now() - t0) / 1000;
  const result = { mode: loader.mode, workers: loader.workers, imagesPerSecond: round((BATCHES * BATCH) / seconds), notes: loader.notes };
  await loader.close();
  setImageCodec(undefined);
  return result;
}
const loaders = [];
for (const w of [0, 1, 2]) loaders.push(await throughput(w));
loaders.push({ ...(await throughput(0, pureJsCodec)), codec: pureJsCodec.name });

// 4. A consumer that spends STEP_MS per batch (a training step): how long does it wait for data?
async function stall(workers) {
  const loader = await createLoader(entries, { ...AUG, batchSize: BATCH, seed: 1234, workers, prefetch: 3 });
  await loader.next(); // warm-up (worker start)
  const before = loader.stats();
  for (let i = 0; i < BATCHES; i++) {
    await loader.next();
    const t = performance.now();
    while (performance.now() - t < STEP_MS); // busy "training" on the main thread, like TF.js CPU/WebGL kernels
  }
  const after = loader.stats();
  await loader.close();
  return {
    workers,
    stepMs: STEP_MS,
    batches: BATCHES,
    meanWaitMs: round((after.waitMs - before.waitMs) / BATCHES, 2),
    maxWaitMs: round(after.maxWaitMs, 1),
  };
}
const stalls = [await stall(1), await stall(2)];

if (!args.includes('--keep')) fs.rmSync(dir, { recursive: true, force: true });
const best = Math.max(...loaders.map((l) => l.imagesPerSecond));
console.log(
  JSON.stringify({
    benchmark: '@objsel/voc-data input pipeline',
    node: process.version,
    cpus: os.availableParallelism?.() ?? os.cpus().length,
    loadAverage: os.loadavg().map((v) => round(v, 2)),
    defaultCodec: (await defaultImageCodec()).name,
    image: '500x375 JPEG q90 + grey index PNG label',
    augmentation: 'random scale [0.5,1.5), mirror, pad, crop 321x321, BGR-mean; batch 10 NHWC float32 + int32',
    stages,
    cpuMsPerImage: round(perImageCpu, 2),
    projectedImagesPerSecondPerCore: round(1000 / perImageCpu),
    loaders,
    bestImagesPerSecond: best,
    targetImagesPerSecond: 50,
    meetsTarget: best >= 50,
    stalls,
  }),
);
