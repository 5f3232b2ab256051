#!/usr/bin/env node
// Tiny fixtures in each interactive-segmentation benchmark layout objsel reads, built from a
// synthetic VOC-format set (`makeSyntheticDataset`): one object per image for GrabCut (BMP masks,
// void as the 128 band), Berkeley, DAVIS and COCO-MVal; every instance for DAVIS 2017, SBD,
// PASCAL VOC and COCO (polygons of each instance's bounding box would be lossy, so RLE).
// For trying `objsel noc --dataset X` without downloading the real benchmarks (`npm run build` first).
//
//   node tools/make-benchmark-fixtures.mjs OUT_DIR [--count 4]
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { decodeLabel, encodeBmp, encodeIndexPng, encodePng, makeSyntheticDataset, parseList, writeSbdLabel } from '@objsel/voc-data';

const [out, ...rest] = process.argv.slice(2);
if (!out) {
  console.error('usage: node tools/make-benchmark-fixtures.mjs OUT_DIR [--count N]');
  process.exit(2);
}
const count = rest[0] === '--count' ? Number(rest[1]) : 4;
const voc = path.join(out, 'voc');
const put = async (file, bytes) => {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, bytes);
};
await makeSyntheticDataset({ count, seed: 22, width: 48, height: 40, classes: 2, minSize: 14, maxSize: 24, sbd: false }, (p, bytes) =>
  put(path.join(voc, p), bytes),
);
// Both splits: the fixtures are for trying the readers and the robot, not for held-out figures.
const entries = [];
for (const list of ['train.txt', 'val.txt']) entries.push(...parseList(await readFile(path.join(voc, list), 'utf8'), { dataDir: voc }));
const rle = (mask, w, h) => {
  const counts = [];
  let current = 0;
  let run = 0;
  for (let x = 0; x < w; x++)
    for (let y = 0; y < h; y++) {
      const v = mask[y * w + x];
      if (v !== current) counts.push(run), (run = 0), (current = v);
      run++;
    }
  counts.push(run);
  return counts;
};
const coco = { images: [], annotations: [] };
const ids = [];
for (const [n, entry] of entries.entries()) {
  const label = decodeLabel(await readFile(path.join(voc, 'SegmentationObject', `${entry.id}.png`)));
  const { width: w, height: h } = label;
  const jpeg = await readFile(entry.image);
  // Single-object layouts take the image's lowest instance id.
  const first = Math.min(...label.data.filter((v) => v > 0 && v < 255));
  const one = (v) => (v === first ? 255 : 0);
  await put(path.join(out, 'grabcut/data_GT', `${entry.id}.jpg`), jpeg);
  const band = Uint8Array.from(label.data, (v) => (v === first ? 255 : v === 255 ? 128 : 0));
  await put(
    path.join(out, 'grabcut/boundary_GT', `${entry.id}.bmp`),
    encodeBmp({ width: w, height: h, data: Uint8Array.from({ length: w * h * 3 }, (_, i) => band[Math.floor(i / 3)]) }),
  );
  for (const [name, images, masks] of [
    ['berkeley', 'images', 'masks'],
    ['davis', 'img', 'gt'],
    ['coco-mval', 'img', 'gt'],
  ]) {
    await put(path.join(out, name, images, `${entry.id}.jpg`), jpeg);
    await put(
      path.join(out, name, masks, `${entry.id}.png`),
      encodePng({ width: w, height: h, channels: 1, data: Uint8Array.from(label.data, one) }),
    );
  }
  await put(path.join(out, 'davis-2017/JPEGImages/480p/synth', `${String(n).padStart(5, '0')}.jpg`), jpeg);
  await put(path.join(out, 'davis-2017/Annotations/480p/synth', `${String(n).padStart(5, '0')}.png`), encodeIndexPng(label.data, w, h));
  await put(path.join(out, 'sbd/img', `${entry.id}.jpg`), jpeg);
  const inst = Uint8Array.from(label.data, (v) => (v === 255 ? 0 : v));
  await put(
    path.join(out, 'sbd/inst', `${entry.id}.mat`),
    writeSbdLabel({ kind: 'inst', width: w, height: h, data: inst, categories: [...new Set(inst)].filter((v) => v > 0).map(() => 1) }),
  );
  await put(path.join(out, 'pascal-voc/JPEGImages', `${entry.id}.jpg`), jpeg);
  await put(path.join(out, 'pascal-voc/SegmentationObject', `${entry.id}.png`), encodeIndexPng(label.data, w, h));
  await put(path.join(out, 'coco/val2017', `${entry.id}.jpg`), jpeg);
  coco.images.push({ id: n + 1, file_name: `${entry.id}.jpg`, width: w, height: h });
  for (const id of [...new Set(label.data)].filter((v) => v > 0 && v < 255))
    coco.annotations.push({
      id: coco.annotations.length + 1,
      image_id: n + 1,
      iscrowd: 0,
      segmentation: {
        size: [h, w],
        counts: rle(
          Uint8Array.from(label.data, (v) => (v === id ? 1 : 0)),
          w,
          h,
        ),
      },
    });
  ids.push(entry.id);
}
await put(path.join(out, 'sbd/val.txt'), `${ids.join('\n')}\n`);
await put(path.join(out, 'pascal-voc/ImageSets/Segmentation/val.txt'), `${ids.join('\n')}\n`);
await put(path.join(out, 'coco/annotations/instances_val2017.json'), JSON.stringify(coco));
console.log(`${ids.length} images in each of grabcut, berkeley, davis, davis-2017, coco-mval, coco, sbd, pascal-voc under ${out}`);
