#!/usr/bin/env node
// Benchmark of @objsel/dcsp: the cue rule on a VOC-size image (typed arrays only) and the DCSP
// demo (synthetic data, whole schedule on a small network, wasm backend) with its mean IoUs.
// Runs against the built dist/ (npx nx run dcsp:build). Prints one JSON object. Wall times on a
// shared machine are noisy; CPU seconds (user + system of this single-threaded process) are
// closer to what an idle machine would take.
//   node tools/bench/dcsp.mjs [--skip-demo] [--seed N]
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const cpuSeconds = (since) => {
  const u = process.cpuUsage(since);
  return Math.round((u.user + u.system) / 1e4) / 100;
};

const tf = await import('@tensorflow/tfjs');
tf.enableProdMode();
const dcsp = await import(path.join(ROOT, 'packages/dcsp/dist/index.js'));
const deeplab = await import(path.join(ROOT, 'packages/deeplab-resnet/dist/index.js'));

// Cue rule on 500x375 with 3 tags, raw attention with 20 channels.
const W = 500;
const H = 375;
let s = 12345;
const rand = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
const attention = Float32Array.from({ length: W * H * 20 }, () => rand() * 10 - 5);
const saliency = Float32Array.from({ length: W * H }, () => rand());
const repeat = 5;
let t0 = performance.now();
let c0 = process.cpuUsage();
for (let i = 0; i < repeat; i++) dcsp.fuseCues({ attention, saliency, tags: [3, 9, 15], width: W, height: H });
const cues = {
  image: `${W}x${H}`,
  tags: 3,
  msPerImage: Math.round(((performance.now() - t0) / repeat) * 10) / 10,
  cpuSecondsPerImage: cpuSeconds(c0) / repeat,
};

let demo = null;
if (!args.includes('--skip-demo')) {
  const backend = await deeplab.loadBackend('wasm');
  t0 = performance.now();
  c0 = process.cpuUsage();
  const summary = await dcsp.runDcspDemo({ seed: Number(flag('--seed', '1234')) });
  demo = {
    backend: backend.name,
    wallSeconds: Math.round((performance.now() - t0) / 100) / 10,
    cpuSeconds: cpuSeconds(c0),
    initialCueMiou: summary.initialCueMiou,
    adaptedCueMiou: summary.adaptedCueMiou,
    trainMiou: summary.trainMiou,
    valMiou: summary.valMiou,
    trainMiouNoCrf: summary.trainMiouNoCrf,
    beatsInitialCues: summary.beatsInitialCues,
    images: summary.images,
    updates: summary.stages.map((st) => `${st.stage}:${st.steps}`).join(' '),
    seconds: summary.seconds,
  };
}
console.log(JSON.stringify({ package: '@objsel/dcsp', node: process.version, cues, demo }));
