#!/usr/bin/env node
// Checks @objsel/clicks' COCO RLE against pycocotools itself, both ways, on seeded random masks
// (empty, full, single rows and columns, noise, blobs with holes, 1x1, up to 640x480):
//   - encodeCompressedCocoRle's counts string equals pycocotools.mask.encode's (Fortran-order uint8);
//   - pycocotools.mask.decode of our compressed string, and of our uncompressed counts (through
//     frPyObjects, as COCO JSON with "counts": [..] is read), gives the mask back;
//   - our decodeCocoRle of pycocotools' string gives the mask back;
//   - cocoRleArea and cocoRleBbox equal mask.area and mask.toBbox.
// Prints one JSON object ({"cases", "failures": [...]}) and exits 1 on any failure.
//
// Python (`$OBJSEL_PYTHON`, else python3) needs pycocotools and numpy, e.g.
//   python3 -m venv /tmp/cocovenv && /tmp/cocovenv/bin/pip install pycocotools numpy
//   OBJSEL_PYTHON=/tmp/cocovenv/bin/python node tools/compare/coco-rle-pycocotools.mjs
// Without them the script prints {"skipped": "..."} and exits 0: Python is not a dependency of
// objsel and this is not part of `npm test` (the unit tests keep their own independent decoder).
// Runs against the built package (npx nx run @objsel/clicks:build).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const clicks = await import(path.join(ROOT, 'packages/clicks/dist/index.js'));
const PYTHON = process.env.OBJSEL_PYTHON ?? 'python3';

/** mulberry32: the same masks on every run. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Discs, some with a hole, on a random background density. */
function blobs(width, height, random) {
  const mask = new Uint8Array(width * height);
  const n = 1 + Math.floor(random() * 6);
  for (let k = 0; k < n; k++) {
    const cx = random() * width;
    const cy = random() * height;
    const r = 1 + random() * Math.min(width, height) * 0.4;
    const hole = random() < 0.5 ? r * 0.4 : 0;
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++) {
        const d = Math.hypot(x - cx, y - cy);
        if (d < r && d >= hole) mask[y * width + x] = 1;
      }
  }
  return mask;
}

const cases = [];
const random = rng(20);
const add = (name, width, height, fill) => {
  const mask = new Uint8Array(width * height);
  for (let i = 0; i < mask.length; i++) mask[i] = fill(i % width, Math.floor(i / width)) ? 1 : 0;
  cases.push({ name, width, height, mask });
};
add('empty 7x5', 7, 5, () => false);
add('full 7x5', 7, 5, () => true);
add('1x1 on', 1, 1, () => true);
add('1x1 off', 1, 1, () => false);
add('row 1x40', 40, 1, (x) => x % 3 === 0);
add('column 1x40', 1, 40, (_x, y) => y > 20);
add('first pixel on', 9, 4, (x, y) => x === 0 && y === 0);
add('last pixel on', 9, 4, (x, y) => x === 8 && y === 3);
for (let k = 0; k < 40; k++) {
  const width = 1 + Math.floor(random() * 120);
  const height = 1 + Math.floor(random() * 120);
  const density = random();
  add(`noise ${k} ${width}x${height}`, width, height, () => random() < density);
}
for (let k = 0; k < 40; k++) {
  const width = 2 + Math.floor(random() * 300);
  const height = 2 + Math.floor(random() * 300);
  cases.push({ name: `blobs ${k} ${width}x${height}`, width, height, mask: blobs(width, height, random) });
}
cases.push({ name: 'blobs 640x480', width: 640, height: 480, mask: blobs(640, 480, rng(7)) });
// Long runs: counts over 2^20 and large differences between them (the multi-group string form).
add('long runs 2000x1500', 2000, 1500, (x) => x >= 700 && x < 1900);

const ours = cases.map(({ name, width, height, mask }) => {
  const raw = clicks.encodeCocoRle(mask, width, height);
  const compressed = clicks.encodeCompressedCocoRle(mask, width, height);
  return {
    name,
    width,
    height,
    mask: Buffer.from(mask).toString('base64'),
    counts: raw.counts,
    string: compressed.counts,
    area: clicks.cocoRleArea(compressed),
    bbox: clicks.cocoRleBbox(compressed),
  };
});

const PY = `
import base64, json, sys
import numpy as np
from pycocotools import mask as M
cases = json.load(open(sys.argv[1]))
out = []
for c in cases:
    h, w = c["height"], c["width"]
    m = np.frombuffer(base64.b64decode(c["mask"]), dtype=np.uint8).reshape(h, w)
    theirs = M.encode(np.asfortranarray(m))
    from_string = M.decode({"size": [h, w], "counts": c["string"].encode()})
    from_counts = M.decode(M.frPyObjects({"size": [h, w], "counts": c["counts"]}, h, w))
    out.append({
        "name": c["name"],
        "string": theirs["counts"].decode(),
        "decodeOurString": bool((from_string == m).all()),
        "decodeOurCounts": bool((from_counts == m).all()),
        "area": int(M.area(theirs)),
        "bbox": [float(v) for v in M.toBbox(theirs)],
    })
print(json.dumps(out))
`;

const probe = spawnSync(PYTHON, ['-c', 'import numpy, pycocotools; print(numpy.__version__)'], { encoding: 'utf8' });
if (probe.status !== 0) {
  console.log(
    JSON.stringify({ skipped: `${PYTHON} lacks numpy or pycocotools (${(probe.stderr || String(probe.error)).trim().split('\n').pop()})` }),
  );
  process.exit(0);
}
const versions = spawnSync(
  PYTHON,
  ['-c', 'import numpy, pycocotools, importlib.metadata as m; print(numpy.__version__, m.version("pycocotools"))'],
  {
    encoding: 'utf8',
  },
).stdout.trim();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'objsel-coco-'));
const input = path.join(dir, 'cases.json');
fs.writeFileSync(input, JSON.stringify(ours));
const python = spawnSync(PYTHON, ['-c', PY, input], { encoding: 'utf8', maxBuffer: 1 << 28 });
fs.rmSync(dir, { recursive: true, force: true });
if (python.status !== 0) throw new Error(`python failed: ${python.stderr}`);
const theirs = JSON.parse(python.stdout);

const failures = [];
theirs.forEach((t, i) => {
  const o = ours[i];
  const problems = [];
  if (t.string !== o.string) problems.push('compressed string differs from pycocotools.mask.encode');
  if (!t.decodeOurString) problems.push('pycocotools.mask.decode of our string is not the mask');
  if (!t.decodeOurCounts) problems.push('pycocotools.mask.decode of our uncompressed counts is not the mask');
  const back = clicks.decodeCocoRle({ size: [o.height, o.width], counts: t.string });
  if (Buffer.compare(Buffer.from(back), Buffer.from(o.mask, 'base64')) !== 0)
    problems.push('our decodeCocoRle of pycocotools string is not the mask');
  if (t.area !== o.area) problems.push(`area ${o.area} vs ${t.area}`);
  if (t.bbox.some((v, k) => v !== o.bbox[k])) problems.push(`bbox ${o.bbox} vs ${t.bbox}`);
  if (problems.length) failures.push({ case: o.name, problems });
});
console.log(JSON.stringify({ compare: 'coco-rle-pycocotools', python: PYTHON, versions, cases: theirs.length, failures }, null, 2));
process.exit(failures.length ? 1 : 0);
