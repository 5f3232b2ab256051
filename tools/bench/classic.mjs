#!/usr/bin/env node
// Benchmark of the classic interactive methods of @objsel/clicks (runs against the built dist/:
// npx nx run-many -t build -p @objsel/clicks @objsel/voc-data).
//
// The photo is the VOC fixture 2007_000129 (334x500) transposed to 500x334. Each method is timed
// as one library call: `first` without a previous state, `refine` with the state of the call
// before and one more click. GrabCut gets the box around the cyclist (the box of the fixture
// test, transposed) and 5 iterations; the seed methods get three clicks (the deepest pixel of
// the person, of the background, of the bicycle; default click discs of radius 5).
//
// OpenCV: cv2.grabCut with the same pixels, box and 5 iterations, timed around the call alone in
// Python (see tools/compare/grabcut-opencv.mjs; skipped without python3 + opencv-python-headless,
// or set OBJSEL_PYTHON), right after ours under the same load; the masks are compared too.
//
// Targets (issue 21): GrabCut <= 1.5x OpenCV's time, random walker < 1 s, geodesic < 100 ms.
// Times: min and median over --repeat runs of wall and process CPU time; the machine is shared,
// so min is the meaningful number. Prints one JSON object.
//
//   node tools/bench/classic.mjs [--repeat N]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { maskHash, runOpenCvGrabCut, stats, timeCalls } from '../compare/grabcut-opencv.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const clicks = await import(path.join(ROOT, 'packages/clicks/dist/index.js'));
const voc = await import(path.join(ROOT, 'packages/voc-data/dist/index.js'));
const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const REPEAT = Number(flag('--repeat', '5'));
const FIXTURES = process.env.OBJSEL_FIXTURES ?? path.resolve(ROOT, '../shared/fixtures');

function transpose(data, width, height, channels) {
  const out = new data.constructor(data.length);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      for (let c = 0; c < channels; c++) out[(x * height + y) * channels + c] = data[(y * width + x) * channels + c];
  return out;
}

const photo = voc.decodeImageSync(new Uint8Array(fs.readFileSync(path.join(FIXTURES, 'deeplab/2007_000129.jpg'))));
const label = voc.decodeLabel(new Uint8Array(fs.readFileSync(path.join(FIXTURES, 'deeplab/2007_000129.png'))));
const W = photo.height;
const H = photo.width;
const image = { width: W, height: H, data: transpose(photo.data, photo.width, photo.height, 3) };
const labels = transpose(label.data, photo.width, photo.height, 1);
const box = [0, 68, 470, 285]; // [68, 0, 285, 470] of the upright photo
const only = (v) => labels.map((l) => (l === v ? 1 : 0));
const empty = new Uint8Array(W * H);
const person = clicks.nextClick(only(15), empty, W, H);
const background = clicks.nextClick(only(0), empty, W, H);
const bicycle = clicks.nextClick(only(2), empty, W, H);
const seedClicks = [
  { ...person, positive: true },
  { ...background, positive: false },
  { ...bicycle, positive: true },
];
const extraClick = { x: Math.min(W - 1, person.x + 40), y: person.y, positive: true };

const summary = (t) => ({ wallMs: stats(t.wall), cpuMs: stats(t.cpu) });
const report = {
  machine: { node: process.version, cpus: os.cpus().length, loadavg: os.loadavg().map((v) => +v.toFixed(2)) },
  image: { fixture: 'deeplab/2007_000129.jpg transposed', size: `${W}x${H}`, box, clicks: seedClicks },
  targets: { grabcutVsOpenCv: 1.5, randomWalkerMs: 1000, geodesicMs: 100 },
  methods: {},
};

for (const name of clicks.SELECTION_METHOD_NAMES) {
  const run = clicks.selectionMethod(name);
  const input = name === 'grabcut' ? { clicks: [], box } : { clicks: seedClicks };
  run(image, input); // warm-up (JIT)
  const first = timeCalls(() => run(image, input), REPEAT);
  const refineInput = { clicks: [...input.clicks, extraClick], box: input.box, previous: first.last.state };
  const refine = timeCalls(() => run(image, refineInput), REPEAT);
  const entry = { first: summary(first), refine: summary(refine), selectedPixels: first.last.mask.reduce((s, v) => s + v, 0) };
  if (name === 'grabcut') entry.iterations = first.last.state.iterations;
  if (name === 'random-walker') entry.cgIterations = { first: first.last.state.iterations, refine: refine.last.state.iterations };
  report.methods[name] = entry;
}

const opencv = runOpenCvGrabCut([{ name: 'voc-transposed', width: W, height: H, rgb: image.data, box, repeat: REPEAT }]);
if (opencv.skipped) report.opencvGrabCut = { skipped: opencv.skipped };
else {
  const c = opencv.cases[0];
  const ours = clicks.grabCut(image, { clicks: [], box }).mask;
  const theirs = c.masks.default;
  let inter = 0;
  let union = 0;
  for (let i = 0; i < ours.length; i++) {
    inter += ours[i] && theirs[i] ? 1 : 0;
    union += ours[i] || theirs[i] ? 1 : 0;
  }
  const g = report.methods.grabcut.first;
  report.opencvGrabCut = {
    version: opencv.opencv,
    threads: opencv.threads,
    wallMs: stats(c.wallMs),
    cpuMs: stats(c.cpuMs),
    iou: +(inter / union).toFixed(5),
    identical: maskHash(ours) === maskHash(theirs) && inter === union,
    ratio: { wallMin: +(g.wallMs.min / stats(c.wallMs).min).toFixed(2), cpuMin: +(g.cpuMs.min / stats(c.cpuMs).min).toFixed(2) },
  };
}
console.log(JSON.stringify(report));
