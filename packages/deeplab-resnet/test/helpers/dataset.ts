// A few small VOC-format images on disk (JPEGImages/*.png photos, SegmentationClassAug/*.png
// index labels, a list file): a bright square of class 1 and a dark disc of class 2 on noise.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { encodeIndexPng, encodePng } from '@objsel/voc-data';
import { seededValues } from './tiny-net';

export async function writeTinyDataset(dir: string, count: number, size: number, seed = 1): Promise<string> {
  await fs.mkdir(path.join(dir, 'JPEGImages'), { recursive: true });
  await fs.mkdir(path.join(dir, 'SegmentationClassAug'), { recursive: true });
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const noise = seededValues(size * size * 3, seed * 1000 + i);
    const pos = seededValues(4, seed * 7 + i);
    const rgb = new Uint8Array(size * size * 3);
    const label = new Uint8Array(size * size);
    const sq = {
      x: Math.floor(((pos[0]! + 1) / 2) * size * 0.5),
      y: Math.floor(((pos[1]! + 1) / 2) * size * 0.5),
      s: Math.floor(size * 0.35),
    };
    const disc = { x: size * (0.3 + 0.4 * ((pos[2]! + 1) / 2)), y: size * (0.3 + 0.4 * ((pos[3]! + 1) / 2)), r: size * 0.2 };
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++) {
        const p = y * size + x;
        let c = 0;
        if (x >= sq.x && x < sq.x + sq.s && y >= sq.y && y < sq.y + sq.s) c = 1;
        if ((x - disc.x) ** 2 + (y - disc.y) ** 2 < disc.r ** 2) c = 2;
        if (x === size - 1 && y === size - 1) c = 255;
        label[p] = c;
        const base = c === 1 ? [230, 200, 40] : c === 2 ? [30, 60, 200] : [110, 120, 110];
        for (let k = 0; k < 3; k++) rgb[p * 3 + k] = Math.max(0, Math.min(255, Math.round(base[k]! + 25 * noise[p * 3 + k]!)));
      }
    const id = `img_${String(i).padStart(3, '0')}`;
    await fs.writeFile(path.join(dir, 'JPEGImages', `${id}.png`), encodePng({ width: size, height: size, channels: 3, data: rgb }));
    await fs.writeFile(path.join(dir, 'SegmentationClassAug', `${id}.png`), encodeIndexPng(label, size, size));
    lines.push(`/JPEGImages/${id}.png /SegmentationClassAug/${id}.png`);
  }
  const list = path.join(dir, 'train.txt');
  await fs.writeFile(list, `${lines.join('\n')}\n`);
  return list;
}
