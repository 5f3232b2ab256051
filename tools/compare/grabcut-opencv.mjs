#!/usr/bin/env node
// Compares @objsel/clicks' grabCut with OpenCV's cv2.grabCut (GC_INIT_WITH_RECT, 5 iterations) on
// the fixture photos, same pixels, same boxes: masks (IoU, differing pixels, foreground count and
// FNV-1a hash, the values test/classic-fixtures.test.ts pins) and the time of the library call
// alone on both sides (min and median over --repeat runs, wall and CPU).
//
// OpenCV runs in Python (`$OBJSEL_PYTHON`, else python3) with opencv-python-headless and numpy;
// when they are missing the script prints {"skipped": "..."} and exits 0. Nothing here is part
// of `npm test`, and CI does not need Python. Each cv2.grabCut call runs in a new thread: its
// k-means draws from the thread's cv::theRNG(), which starts from the default state 0xffffffff in
// a new thread, as ours does by default (a second call in the same thread would continue that
// stream and can end elsewhere). With --seeds 1,2,3 it also compares cv2.setRNGSeed(s) with our
// `seed: s`.
//
// Runs against the built packages (npx nx run-many -t build -p @objsel/clicks @objsel/voc-data).
//
//   node tools/compare/grabcut-opencv.mjs [--repeat N] [--seeds 1,2,3]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const FIXTURES = process.env.OBJSEL_FIXTURES ?? path.resolve(ROOT, '../shared/fixtures');

/** The photos and boxes compared (boxes as [x0, y0, x1, y1], x1 and y1 exclusive). */
export const CASES = [
  { name: 'voc-2007_000129', file: 'deeplab/2007_000129.jpg', box: [68, 0, 285, 470] },
  { name: 'pydensecrf-im2', file: 'pydensecrf/im2.png', box: [26, 10, 275, 210] },
  { name: 'pydensecrf-im3', file: 'pydensecrf/im3.png', box: [70, 40, 192, 270] },
];

const PYTHON_SCRIPT = `
import json, sys, threading, time
try:
    import numpy as np
    import cv2
except Exception as e:
    print(json.dumps({"skipped": "python has no cv2/numpy: " + str(e)}))
    sys.exit(0)
job = json.load(sys.stdin)
out = {"opencv": cv2.__version__, "threads": cv2.getNumThreads(), "cases": []}
for case in job["cases"]:
    h, w = case["height"], case["width"]
    rgb = np.fromfile(case["rgb"], np.uint8).reshape(h, w, 3)
    bgr = np.ascontiguousarray(rgb[..., ::-1])
    x0, y0, x1, y1 = case["box"]
    runs = []
    def call(result, seed):
        if seed is not None:
            cv2.setRNGSeed(seed)
        mask = np.zeros((h, w), np.uint8)
        bgd = np.zeros((1, 65), np.float64)
        fgd = np.zeros((1, 65), np.float64)
        t, c = time.perf_counter(), time.process_time()
        cv2.grabCut(bgr, mask, (x0, y0, x1 - x0, y1 - y0), bgd, fgd, 5, cv2.GC_INIT_WITH_RECT)
        result.append(((time.perf_counter() - t) * 1000, (time.process_time() - c) * 1000, mask))
    for seed in [None] * case["repeat"] + case["seeds"]:
        result = []
        thread = threading.Thread(target=call, args=(result, seed))
        thread.start()
        thread.join()
        runs.append((seed, result[0]))
    entry = {"name": case["name"], "wallMs": [r[1][0] for r in runs if r[0] is None], "cpuMs": [r[1][1] for r in runs if r[0] is None], "masks": {}}
    for seed, (_, _, mask) in runs:
        key = "default" if seed is None else str(seed)
        if key in entry["masks"]:
            continue
        fg = ((mask == 1) | (mask == 3)).astype(np.uint8)
        path = case["rgb"] + "." + key + ".mask"
        fg.tofile(path)
        entry["masks"][key] = path
    out["cases"].append(entry)
print(json.dumps(out))
`;

/**
 * Runs cv2.grabCut on each case ({ name, width, height, rgb: Uint8Array, box, repeat, seeds })
 * and returns { opencv, threads, cases: [{ name, wallMs[], cpuMs[], masks: { default | seed: Uint8Array } }] },
 * or { skipped: reason } when Python or OpenCV is missing.
 */
export function runOpenCvGrabCut(cases) {
  const python = process.env.OBJSEL_PYTHON ?? 'python3';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'objsel-grabcut-'));
  try {
    const job = {
      cases: cases.map((c) => {
        const file = path.join(dir, `${c.name}.rgb`);
        fs.writeFileSync(file, c.rgb);
        return { name: c.name, width: c.width, height: c.height, rgb: file, box: c.box, repeat: c.repeat, seeds: c.seeds ?? [] };
      }),
    };
    const p = spawnSync(python, ['-c', PYTHON_SCRIPT], { input: JSON.stringify(job), encoding: 'utf8', maxBuffer: 64 << 20 });
    if (p.error) return { skipped: `${python} not runnable: ${p.error.message}` };
    if (p.status !== 0) return { skipped: `${python} failed: ${p.stderr.trim().split('\n').pop()}` };
    const result = JSON.parse(p.stdout.trim().split('\n').pop());
    if (result.skipped) return result;
    for (const c of result.cases) {
      for (const [key, file] of Object.entries(c.masks)) c.masks[key] = new Uint8Array(fs.readFileSync(file));
    }
    return result;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Min and median of an array of numbers, rounded to 0.1. */
export function stats(values) {
  const a = [...values].sort((x, y) => x - y);
  return { min: +a[0].toFixed(1), median: +a[a.length >> 1].toFixed(1) };
}

/** FNV-1a (32-bit) of a 0/1 mask. */
export function maskHash(mask) {
  let h = 0x811c9dc5;
  for (let i = 0; i < mask.length; i++) h = Math.imul(h ^ (mask[i] ? 1 : 0), 0x01000193) >>> 0;
  return h;
}

function compareMasks(ours, theirs) {
  let inter = 0;
  let union = 0;
  let differ = 0;
  for (let i = 0; i < ours.length; i++) {
    const a = ours[i] !== 0;
    const b = theirs[i] !== 0;
    if (a && b) inter++;
    if (a || b) union++;
    if (a !== b) differ++;
  }
  return { iou: union === 0 ? 1 : +(inter / union).toFixed(5), differingPixels: differ };
}

/** Times `fn` `repeat` times: wall and CPU milliseconds of each call. */
export function timeCalls(fn, repeat) {
  const wall = [];
  const cpu = [];
  let last;
  for (let i = 0; i < repeat; i++) {
    const c = process.cpuUsage();
    const t = performance.now();
    last = fn();
    wall.push(performance.now() - t);
    const d = process.cpuUsage(c);
    cpu.push((d.user + d.system) / 1000);
  }
  return { wall, cpu, last };
}

async function main() {
  const args = process.argv.slice(2);
  const flag = (name, fallback) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : fallback;
  };
  const repeat = Number(flag('--repeat', '5'));
  const seeds = flag('--seeds', '').split(',').filter(Boolean).map(Number);
  const clicks = await import(path.join(ROOT, 'packages/clicks/dist/index.js'));
  const voc = await import(path.join(ROOT, 'packages/voc-data/dist/index.js'));
  const cases = CASES.map((c) => {
    const image = voc.decodeImageSync(new Uint8Array(fs.readFileSync(path.join(FIXTURES, c.file))));
    return { ...c, image, width: image.width, height: image.height, rgb: image.data, repeat, seeds };
  });
  const opencv = runOpenCvGrabCut(cases);
  const report = { machine: { node: process.version, cpus: os.cpus().length, loadavg: os.loadavg().map((v) => +v.toFixed(2)) } };
  if (opencv.skipped) report.opencv = { skipped: opencv.skipped };
  else report.opencv = { version: opencv.opencv, threads: opencv.threads };
  report.cases = cases.map((c, k) => {
    const run = () => clicks.grabCut(c.image, { clicks: [], box: c.box }).mask;
    const ours = timeCalls(run, repeat);
    const entry = {
      name: c.name,
      size: `${c.width}x${c.height}`,
      box: c.box,
      ours: { count: ours.last.reduce((s, v) => s + v, 0), hash: maskHash(ours.last), wallMs: stats(ours.wall), cpuMs: stats(ours.cpu) },
    };
    if (!opencv.skipped) {
      const theirs = opencv.cases[k];
      const mask = theirs.masks.default;
      entry.opencv = {
        count: mask.reduce((s, v) => s + v, 0),
        hash: maskHash(mask),
        wallMs: stats(theirs.wallMs),
        cpuMs: stats(theirs.cpuMs),
      };
      entry.agreement = compareMasks(ours.last, mask);
      entry.timeRatio = {
        wallMin: +(entry.ours.wallMs.min / entry.opencv.wallMs.min).toFixed(2),
        cpuMin: +(entry.ours.cpuMs.min / entry.opencv.cpuMs.min).toFixed(2),
      };
      if (seeds.length) {
        entry.seeds = Object.fromEntries(
          seeds.map((s) => [
            s,
            compareMasks(clicks.grabCut(c.image, { clicks: [], box: c.box }, { seed: s }).mask, theirs.masks[String(s)]),
          ]),
        );
      }
    }
    return entry;
  });
  console.log(JSON.stringify(report, null, 2));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) await main();
