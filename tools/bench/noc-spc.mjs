#!/usr/bin/env node
// Seconds per click of `objsel noc` and where they go, on the demo's synthetic set (60 images of
// 128x128, its validation split) with the demo's small from-scratch interactive network (ResNet
// with one unit per stage at 1/8 width; random weights: the timing does not depend on training,
// the robot's error regions do a little). Per click: `network` (distance maps, forward, resize),
// `refinement` (threshold / graph cut), `other` (the per-object work: the robot's next click with
// its distance transform, the IoU, reading and decoding the objects). Issue 22 asks that `other`
// stay under 5% of a click. Also the same with --zoom-in. Prints one JSON object.
//   node tools/bench/noc-spc.mjs [--backend wasm] [--max-clicks 20] [--refine none,graphcut]
// Runs against the built dist/ of voc-data, clicks and deeplab-resnet (`npm run build` first).
// The 2-core machine may be shared: wall times are noisy, the shares steadier.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const round = (v, d = 5) => Math.round(v * 10 ** d) / 10 ** d;
const BACKEND = flag('--backend', 'wasm');
const MAX_CLICKS = Number(flag('--max-clicks', '20'));
const REFINES = flag('--refine', 'none,graphcut').split(',');

const require = createRequire(path.join(ROOT, 'packages/cli/package.json'));
const tf = require('@tensorflow/tfjs');
tf.enableProdMode();
const voc = await import(path.join(ROOT, 'packages/voc-data/dist/index.js'));
const dl = await import(path.join(ROOT, 'packages/deeplab-resnet/dist/index.js'));
const interactive = await import(path.join(ROOT, 'packages/deeplab-resnet/dist/interactive/index.js'));
const loaded = await dl.loadBackend(BACKEND);

// The demo's data (DEMO_DATASET in packages/cli/src/commands/demo/settings.ts) and small network.
const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'objsel-noc-spc-'));
await voc.makeSyntheticDataset(
  { count: 60, seed: 1, width: 128, height: 128, classes: 3, minSize: 40, maxSize: 80, valFraction: 0.2, sbd: false },
  async (p, bytes) => {
    await fs.mkdir(path.dirname(path.join(dir, p)), { recursive: true });
    await fs.writeFile(path.join(dir, p), bytes);
  },
);
const model = dl.DeepLabResNet.create(interactive.INTERACTIVE_DEMO.scratch.model, { seed: 1 });
const segmenter = interactive.InteractiveSegmenter.fromModel(model);
const read = async (file) => new Uint8Array(await fs.readFile(file));

const runs = [];
const nocOptions = { read, dataDir: dir, dataList: path.join(dir, 'val.txt'), maxClicks: MAX_CLICKS, fullCurve: true };
// Reading and decoding the objects alone (part of `other`), and a warm-up run (JIT, the backend's kernels).
const readStart = performance.now();
let objectCount = 0;
for await (const _ of interactive.nocObjects(nocOptions)) objectCount++;
const readSeconds = (performance.now() - readStart) / 1000;
await interactive.runNoc(segmenter, { ...nocOptions, maxImages: 2 });
// The robot's own per-click work measured alone: next click (error box, distance transform) and
// IoU, on every object with a prediction that is its mask moved 6 pixels right (a typical miss).
const clicksLib = await import(path.join(ROOT, 'packages/clicks/dist/index.js'));
let robotMs = 0;
let robotCalls = 0;
for await (const o of interactive.nocObjects(nocOptions)) {
  const pred = new Uint8Array(o.gt.length);
  for (let i = 0; i < pred.length; i++) if (o.gt[i] && (i % o.width) + 6 < o.width) pred[i + 6] = 1;
  const t0 = performance.now();
  for (let k = 0; k < 20; k++) {
    clicksLib.nextClick(o.gt, pred, o.width, o.height, { ignore: o.ignore });
    clicksLib.maskIou(o.gt, pred, o.ignore);
  }
  robotMs += performance.now() - t0;
  robotCalls += 20;
}
try {
  for (const refine of REFINES)
    for (const zoom of [false, true]) {
      process.stderr.write(`[noc-spc] refine ${refine}${zoom ? ' + zoom-in' : ''}...\n`);
      // fullCurve: every object to the budget, the same number of clicks in each configuration.
      const run = await interactive.runNoc(segmenter, {
        ...nocOptions,
        refine,
        ...(zoom ? { zoomIn: { targetSize: 128, minCropSize: 40 } } : {}),
      });
      const clicks = run.instances.reduce((s, r) => s + r.ious.length, 0);
      runs.push({
        refine,
        zoomIn: zoom,
        objects: run.count,
        clicks,
        zoomedClicks: run.zoomedClicks,
        seconds: round(run.seconds, 3),
        spc: Object.fromEntries(Object.entries(run.spc).map(([k, v]) => [k, round(v)])),
        otherShare: round(run.spc.other / run.spc.total, 4),
        readShare: round(readSeconds / clicks / run.spc.total, 4),
        robotShare: round(robotMs / robotCalls / 1000 / run.spc.total, 4),
        underFivePercent: run.spc.other / run.spc.total < 0.05,
        'NoC@85': round(run.meanNoc['NoC@85'], 3),
      });
    }
} finally {
  segmenter.dispose();
  model.dispose();
  await fs.rm(dir, { recursive: true, force: true });
}
console.log(
  JSON.stringify(
    {
      bench: 'noc-spc',
      backend: loaded.name,
      wasmThreads: loaded.wasmThreads ?? 1,
      data: 'demo synthetic set, val split, 128x128',
      model: 'INTERACTIVE_DEMO.scratch.model (random weights)',
      maxClicks: MAX_CLICKS,
      objects: objectCount,
      readObjectsSeconds: round(readSeconds, 4),
      robotMsPerClick: round(robotMs / robotCalls, 4),
      runs,
    },
    null,
    2,
  ),
);
