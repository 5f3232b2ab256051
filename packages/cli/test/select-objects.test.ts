/**
 * `objsel select --objects`: several objects of one image from their own clicks, as a palette PNG
 * (pixel = object id, later objects on top) and COCO annotations, each object's mask the one a
 * single `objsel select` with its clicks writes.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeWeightsDir } from '@objsel/caffe-import/node';
import { decodeCocoRle } from '@objsel/clicks';
import { DeepLabResNet, loadBackend } from '@objsel/deeplab-resnet';
import { interactiveConfig } from '@objsel/deeplab-resnet/interactive';
import { encodePng, readPng } from '@objsel/voc-data';
import { beforeAll, describe, expect, it } from 'vitest';
import { lastJson, run } from './capture';

const width = 31;
const height = 24;
let dir: string;
let weights: string;
let imageFile: string;

beforeAll(async () => {
  await loadBackend('wasm');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'objsel-cli-select-objects-'));
  const network = DeepLabResNet.create(interactiveConfig(50, { blocks: [1, 1, 1, 1], widthMultiplier: 0.0625 }), { seed: 21 });
  weights = path.join(dir, 'interactive');
  await writeWeightsDir(weights, await network.toWeightEntries(), network.meta());
  network.dispose();
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      data.fill(
        (x - 8) ** 2 + (y - 8) ** 2 < 30 || (x - 22) ** 2 + (y - 15) ** 2 < 30 ? 220 : 30,
        (y * width + x) * 3,
        (y * width + x) * 3 + 3,
      );
  imageFile = path.join(dir, 'two.png');
  fs.writeFileSync(imageFile, encodePng({ width, height, channels: 3, data }));
});

const objects = [
  {
    id: 3,
    label: 'left',
    clicks: [
      { x: 8, y: 8, positive: true },
      { x: 0, y: 23, positive: false },
    ],
  },
  { id: 9, label: 'right', clicks: { positive: [[22, 15]], negative: [[8, 8]] } },
  { id: 4, clicks: [{ x: 15, y: 12, positive: true }] },
];
const clickFlags = (o: (typeof objects)[number]) =>
  Array.isArray(o.clicks)
    ? o.clicks.flatMap((c) => ['--click', `${c.x},${c.y},${c.positive ? '+' : '-'}`])
    : [
        ...o.clicks.positive.map(([x, y]) => ['--click', `${x},${y},+`]),
        ...o.clicks.negative.map(([x, y]) => ['--click', `${x},${y},-`]),
      ].flat();

describe('objsel select --objects', () => {
  it('writes a palette PNG and COCO annotations whose masks are those of single selections, click-consistent', async () => {
    const file = path.join(dir, 'objects.json');
    fs.writeFileSync(file, JSON.stringify(objects));
    const out = path.join(dir, 'objects.png');
    const coco = path.join(dir, 'coco.json');
    const common = ['--weights', weights, '--backend', 'wasm', '--refine', 'none', '--json'];
    const r = await run('select', imageFile, '--objects', file, '--out', out, '--coco', coco, ...common);
    expect(r.code, r.err).toBe(0);
    const result = lastJson(r.out) as { objects: { id: number; area: number }[] };
    expect(result.objects.map((o) => o.id)).toEqual([3, 9, 4]);

    const singles: Uint8Array[] = [];
    for (const o of objects) {
      const single = path.join(dir, `single-${o.id}.png`);
      const s = await run('select', imageFile, ...clickFlags(o), '--out', single, '--overlay', '', ...common);
      expect(s.code, s.err).toBe(0);
      singles.push(Uint8Array.from(readPng(new Uint8Array(fs.readFileSync(single))).samples, (v) => (v ? 1 : 0)));
    }
    const palette = readPng(new Uint8Array(fs.readFileSync(out)));
    expect(palette.channels ?? 1).toBe(1);
    const expected = new Uint8Array(width * height);
    for (const [k, o] of objects.entries()) for (const [i, v] of singles[k]!.entries()) if (v) expected[i] = o.id;
    expect(Uint8Array.from(palette.samples)).toEqual(expected);

    const annotations = JSON.parse(fs.readFileSync(coco, 'utf8'));
    expect(annotations.images).toEqual([{ id: 1, width, height, file_name: 'two.png' }]);
    expect(annotations.categories.map((c: { name: string }) => c.name)).toEqual(['left', 'right', 'object']);
    annotations.annotations.forEach(
      (a: { id: number; segmentation: { size: [number, number]; counts: string }; area: number }, k: number) => {
        expect(a.id).toBe(objects[k]!.id);
        const mask = decodeCocoRle(a.segmentation);
        expect(mask).toEqual(singles[k]);
        expect(a.area).toBe(result.objects[k]!.area);
      },
    );
    // Click-consistent: object 9's negative click on the left disc is not in its mask.
    expect(singles[1]![8 * width + 8]).toBe(0);
    expect(singles[1]![15 * width + 22]).toBe(1);
  });

  it('refuses bad objects files and flags that do not go with --objects, one line, exit 2', async () => {
    const cases: [unknown, RegExp][] = [
      [[], /non-empty list/],
      [[{ id: 0, clicks: [{ x: 1, y: 1, positive: true }] }], /objects\[0\]\.id must be an integer from 1 to 255/],
      [
        [
          { id: 2, clicks: [{ x: 1, y: 1, positive: true }] },
          { id: 2, clicks: [{ x: 2, y: 2, positive: true }] },
        ],
        /id 2 is given twice/,
      ],
      [[{ id: 2, clicks: [{ x: 99, y: 1, positive: true }] }], /outside the 31x24 image/],
      [[{ id: 2 }], /objects\[0\]\.clicks/],
    ];
    for (const [value, message] of cases) {
      const file = path.join(dir, 'bad.json');
      fs.writeFileSync(file, JSON.stringify(value));
      const r = await run(
        'select',
        imageFile,
        '--objects',
        file,
        '--weights',
        weights,
        '--backend',
        'wasm',
        '--out',
        path.join(dir, 'bad.png'),
      );
      expect(r.code, JSON.stringify(value)).toBe(2);
      expect(r.err).toMatch(message);
      expect(r.err.trim().split('\n')).toHaveLength(1);
    }
    const good = path.join(dir, 'good.json');
    fs.writeFileSync(good, JSON.stringify(objects));
    const withClick = await run(
      'select',
      imageFile,
      '--objects',
      good,
      '--click',
      '1,1,+',
      '--weights',
      weights,
      '--out',
      path.join(dir, 'x.png'),
    );
    expect(withClick.code).toBe(2);
    const cocoAlone = await run(
      'select',
      imageFile,
      '--coco',
      path.join(dir, 'c.json'),
      '--click',
      '1,1,+',
      '--weights',
      weights,
      '--out',
      path.join(dir, 'x.png'),
    );
    expect(cocoAlone.code).toBe(2);
    expect(cocoAlone.err).toMatch(/--coco needs --objects/);
  });
});
