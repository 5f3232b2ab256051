#!/usr/bin/env node
// Is the synthetic VOC-format dataset learnable? Makes it with @objsel/voc-data (default
// settings scaled to 160x120 so a CPU run is short), trains a small fully convolutional network
// (not DeepLab: 3x3 convs at output stride 4, labels resized nearest to the logits as DeepLab's
// prepare_label does) with TF.js through the voc-data loader (random scale/mirror/crop,
// BGR-mean, 255 ignored), and reports the val mIoU (logits upsampled bilinearly) over time.
// Stock TF.js CPU convolution gradients take minutes per step, so on wasm/cpu this script uses
// @objsel/deeplab-resnet's registerConvGradKernels (its built dist/) when it is there.
// Prints one JSON object. Runs against the built dist/ (npx nx run voc-data:build).
//   node tools/bench/voc-data-learnability.mjs [--seconds 150] [--backend wasm|cpu] [--count 160]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const SECONDS = Number(flag('--seconds', 150));
const COUNT = Number(flag('--count', 160));
const BACKEND = flag('--backend', 'wasm');

const voc = await import(path.join(ROOT, 'packages/voc-data/dist/index.js'));
const tf = await import('@tensorflow/tfjs');
if (BACKEND === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
await tf.setBackend(BACKEND);
await tf.ready();
let convGrads = 'stock';
try {
  const dl = await import(path.join(ROOT, 'packages/deeplab-resnet/dist/index.js'));
  dl.registerConvGradKernels(BACKEND);
  convGrads = '@objsel/deeplab-resnet registerConvGradKernels';
} catch (error) {
  if (BACKEND === 'wasm') throw new Error(`wasm needs conv gradient kernels from @objsel/deeplab-resnet (build it): ${error.message}`);
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'objsel-learn-'));
const t0 = performance.now();
const summary = await voc.makeSyntheticDataset(
  { count: COUNT, seed: 1, width: 160, height: 120, minSize: 32, maxSize: 80, classes: 5, sbd: false },
  (rel, bytes) => {
    const f = path.join(dir, rel);
    fs.mkdirSync(path.dirname(f), { recursive: true });
    fs.writeFileSync(f, bytes);
  },
);
const makeSeconds = (performance.now() - t0) / 1000;
const C = summary.numClasses;
const train = voc.parseList(fs.readFileSync(path.join(dir, 'train.txt'), 'utf8'), { dataDir: dir });
const val = voc.parseList(fs.readFileSync(path.join(dir, 'val.txt'), 'utf8'), { dataDir: dir });

const model = tf.sequential({
  layers: [
    tf.layers.conv2d({ inputShape: [null, null, 3], filters: 32, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }),
    tf.layers.conv2d({ filters: 48, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }),
    tf.layers.conv2d({ filters: 64, kernelSize: 3, padding: 'same', activation: 'relu' }),
    tf.layers.conv2d({ filters: 64, kernelSize: 5, padding: 'same', activation: 'relu' }),
    tf.layers.conv2d({ filters: 64, kernelSize: 5, padding: 'same', activation: 'relu' }),
    tf.layers.conv2d({ filters: C, kernelSize: 1, padding: 'same' }),
  ],
});
const optimizer = tf.train.adam(2e-3);
const toInput = (x) => x.div(64); // mean already subtracted by voc-data

function lossOf(images, labels) {
  return tf.tidy(() => {
    const logits = model.apply(toInput(images));
    const [, lh, lw] = logits.shape;
    // Labels to the logit size by nearest neighbour (DeepLab's prepare_label), no resize gradient needed.
    const small = tf.image.resizeNearestNeighbor(labels.expandDims(-1), [lh, lw]).squeeze([-1]);
    const flat = logits.reshape([-1, C]);
    const lab = small.reshape([-1]).cast('int32');
    const valid = lab.less(C);
    const safe = tf.where(valid, lab, tf.zerosLike(lab));
    const ce = tf.losses.softmaxCrossEntropy(tf.oneHot(safe, C), flat, valid.cast('float32'));
    return ce;
  });
}

async function evaluate() {
  const inter = new Float64Array(C);
  const union = new Float64Array(C);
  const loader = await voc.createLoader(val, { workers: 0 });
  for await (const b of loader.epoch()) {
    const pred = tf.tidy(() =>
      tf.image.resizeBilinear(model.apply(toInput(tf.tensor4d(b.images, [1, b.height, b.width, 3]))), [b.height, b.width]).argMax(-1),
    );
    const p = await pred.data();
    pred.dispose();
    for (let i = 0; i < p.length; i++) {
      const g = b.labels[i];
      if (g >= C) continue;
      if (p[i] === g) inter[g]++;
      union[g]++;
      if (p[i] !== g) union[p[i]]++;
    }
  }
  await loader.close();
  let s = 0;
  let k = 0;
  for (let c = 0; c < C; c++) if (union[c] > 0) (s += inter[c] / union[c]), k++;
  return s / k;
}

const loader = await voc.createLoader(train, {
  crop: [112, 112],
  randomScale: true,
  randomMirror: true,
  batchSize: 8,
  seed: 1234,
  workers: 1,
});
const curve = [];
const start = performance.now();
let step = 0;
let nextEval = 45;
let lastLoss = NaN;
while ((performance.now() - start) / 1000 < SECONDS) {
  const b = await loader.next();
  const images = tf.tensor4d(b.images, [b.size, b.height, b.width, 3]);
  const labels = tf.tensor3d(b.labels, [b.size, b.height, b.width], 'int32');
  const cost = optimizer.minimize(() => lossOf(images, labels), true);
  lastLoss = (await cost.data())[0];
  tf.dispose([images, labels, cost]);
  step++;
  const elapsed = (performance.now() - start) / 1000;
  if (elapsed >= nextEval) {
    curve.push({
      seconds: Math.round(elapsed),
      step,
      loss: Math.round(lastLoss * 1000) / 1000,
      valMIoU: Math.round((await evaluate()) * 1000) / 1000,
    });
    nextEval += 45;
  }
}
const finalMIoU = await evaluate();
const stats = loader.stats();
await loader.close();
fs.rmSync(dir, { recursive: true, force: true });
console.log(
  JSON.stringify({
    benchmark: 'synthetic dataset learnability (small FCN, TF.js)',
    backend: tf.getBackend(),
    dataset: {
      count: COUNT,
      train: train.length,
      val: val.length,
      size: '160x120',
      numClasses: C,
      makeSeconds: Math.round(makeSeconds * 10) / 10,
    },
    model: 'conv3x3/2 32, conv3x3/2 48, conv3x3 64, conv5x5 64 x2, conv1x1 (output stride 4); Adam 2e-3; batch 8, crop 112, scale+mirror',
    convGrads,
    trainSeconds: Math.round((performance.now() - start) / 1000),
    steps: step,
    finalLoss: Math.round(lastLoss * 1000) / 1000,
    valMIoU: Math.round(finalMIoU * 1000) / 1000,
    curve,
    loaderWaitMsPerStep: Math.round((stats.waitMs / Math.max(1, stats.batches)) * 10) / 10,
    loadAverage: os.loadavg().map((v) => Math.round(v * 100) / 100),
  }),
);
