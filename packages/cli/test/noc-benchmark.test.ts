import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodeLabel, encodeBmp, encodePng, makeSyntheticDataset, parseList } from '@objsel/voc-data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { benchmarkFigures } from '../src/noc-benchmark';
import { main } from '../src/index';
import { capture } from './capture';
import { directNoc, trainTinyInteractive } from './noc-fixtures';

let root: string;
let data: string;
let snap: string;

/** DAVIS (`img/`, `gt/` 0/255 PNG) and GrabCut (`data_GT/`, `boundary_GT/` BMP, void as the 128 band) fixtures from the synthetic VOC set's first instance per image. */
async function writeFixtures(): Promise<void> {
  const entries = parseList(await fs.readFile(path.join(data, 'val.txt'), 'utf8'), { dataDir: data });
  for (const dir of ['davis/img', 'davis/gt', 'grabcut/data_GT', 'grabcut/boundary_GT'])
    await fs.mkdir(path.join(root, dir), { recursive: true });
  for (const entry of entries) {
    const label = decodeLabel(await fs.readFile(path.join(data, 'SegmentationObject', `${entry.id}.png`)));
    const jpeg = await fs.readFile(entry.image);
    const davis = Uint8Array.from(label.data, (v) => (v === 1 ? 255 : 0));
    const grabcut = Uint8Array.from(label.data, (v) => (v === 1 ? 255 : v === 255 ? 128 : 0));
    await fs.writeFile(path.join(root, 'davis/img', `${entry.id}.jpg`), jpeg);
    await fs.writeFile(
      path.join(root, 'davis/gt', `${entry.id}.png`),
      encodePng({ width: label.width, height: label.height, channels: 1, data: davis }),
    );
    await fs.writeFile(path.join(root, 'grabcut/data_GT', `${entry.id}.jpg`), jpeg);
    const rgb = Uint8Array.from({ length: grabcut.length * 3 }, (_, i) => grabcut[Math.floor(i / 3)]!);
    await fs.writeFile(
      path.join(root, 'grabcut/boundary_GT', `${entry.id}.bmp`),
      encodeBmp({ width: label.width, height: label.height, data: rgb }),
    );
  }
}

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'objsel-cli-noc-bench-'));
  data = path.join(root, 'data');
  snap = path.join(root, 'snap');
  await makeSyntheticDataset(
    { count: 6, seed: 5, width: 40, height: 36, classes: 2, minSize: 14, maxSize: 22, sbd: false },
    async (p, bytes) => {
      await fs.mkdir(path.dirname(path.join(data, p)), { recursive: true });
      await fs.writeFile(path.join(data, p), bytes);
    },
  );
  await writeFixtures();
  await trainTinyInteractive(data, snap, 1);
}, 240_000);

afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

describe('objsel noc --dataset', () => {
  it('evaluates a DAVIS layout, reports NoC/NoF/SPC/mIoU@k equal to a direct computation, writes the curve', async () => {
    const curve = path.join(root, 'out', 'davis-curve.json');
    const svg = path.join(root, 'out', 'davis.svg');
    await fs.mkdir(path.dirname(curve), { recursive: true });
    const n = capture();
    const argv = [
      'node',
      'objsel',
      'noc',
      '--backend',
      'wasm',
      '--json',
      '--dataset',
      'davis',
      '--data-dir',
      path.join(root, 'davis'),
      '--weights',
      snap,
    ];
    expect(await main([...argv, '--max-clicks', '3', '--save-curve', curve, '--curve-svg', svg], n.streams), n.err()).toBe(0);
    const r = n.result();
    expect(r.dataset).toBe('davis');
    expect(r.count).toBe((await fs.readdir(path.join(root, 'davis', 'img'))).length);
    expect(r.count).toBeGreaterThan(0);
    expect(Object.keys(r.meanNoc)).toEqual(['NoC@85', 'NoC@90']); // today's fields stay
    const ious = r.instances.map((i: { ious: number[] }) => i.ious) as number[][];
    for (const row of ious) expect(row.length === 3 || row[row.length - 1] === 1).toBe(true); // full runs for the curve
    for (const [key, t] of [
      ['85', 0.85],
      ['90', 0.9],
    ] as const) {
      const d = directNoc(ious, 3, t);
      expect(r.noc[`NoC@${key}`]).toBeCloseTo(d.noc, 12);
      expect(r.nof[`NoF@${key}`]).toBe(d.nof);
      r.iouCurve.forEach((v: number, k: number) => {
        expect(v).toBeCloseTo(d.curve[k]!, 12);
      });
    }
    expect(r.miou['mIoU@3']).toBeCloseTo(r.iouCurve[2], 12);
    const clicks = ious.reduce((s, row) => s + row.length, 0);
    expect(r.spc.total).toBeCloseTo(r.seconds / clicks, 9);
    expect(r.spc.network + r.spc.refinement + r.spc.other).toBeCloseTo(r.spc.total, 6);
    const saved = JSON.parse(await fs.readFile(curve, 'utf8'));
    expect(saved.iouCurve).toEqual(r.iouCurve);
    expect(saved.dataset).toBe('davis');
    expect(await fs.readFile(svg, 'utf8')).toMatch(/^<svg[\s\S]*<polyline[\s\S]*davis/);

    // noc-plot: the saved --json output (progress lines and all) and the --save-curve file on one plot.
    const jsonl = path.join(root, 'out', 'davis.jsonl');
    await fs.writeFile(jsonl, n.out());
    const plot = path.join(root, 'out', 'both.svg');
    const p = capture();
    expect(
      await main(
        ['node', 'objsel', 'noc-plot', jsonl, curve, '--out', plot, '--csv', path.join(root, 'out', 'both.csv'), '--json'],
        p.streams,
      ),
      p.err(),
    ).toBe(0);
    expect(p.result().series.map((x: { label: string }) => x.label)).toEqual(['davis · snap · none', 'davis · snap · none']);
    expect((await fs.readFile(plot, 'utf8')).match(/<polyline/g)).toHaveLength(2);
    const rows = (await fs.readFile(path.join(root, 'out', 'both.csv'), 'utf8')).trim().split('\n');
    expect(rows).toHaveLength(4);
    expect(Number(rows[1]!.split(',')[1])).toBeCloseTo(r.iouCurve[0], 5);
    const bad = capture();
    expect(await main(['node', 'objsel', 'noc-plot', svg, '--out', path.join(root, 'out', 'x.svg')], bad.streams)).toBe(2);
    expect(bad.err()).toMatch(/davis\.svg: not JSON nor a 'noc --json' output/);
  }, 240_000);

  it('evaluates a GrabCut layout (BMP masks, 128 ignored) with today human output plus NoF and SPC, and a CSV curve', async () => {
    const csv = path.join(root, 'out', 'grabcut.csv');
    const h = capture();
    const argv = [
      'node',
      'objsel',
      'noc',
      '--backend',
      'wasm',
      '--dataset',
      'grabcut',
      '--data-dir',
      path.join(root, 'grabcut'),
      '--weights',
      snap,
    ];
    expect(await main([...argv, '--max-clicks', '2', '--iou', '0.5', '--save-curve', csv], h.streams), h.err()).toBe(0);
    expect(h.out()).toMatch(/NoC@50 \d+\.\d\d/);
    expect(h.out()).toMatch(/grabcut: NoC@50 \d+\.\d\d {3}NoF@50 \d+ {3}SPC \d+\.\d{3} s/);
    expect((await fs.readFile(csv, 'utf8')).split('\n')[0]).toMatch(/^clicks,grabcut · snap · none$/);
  }, 240_000);

  it('rejects bad flags and broken layouts in one line with exit 2', async () => {
    const cases: [string[], RegExp][] = [
      [['--dataset', 'kitti', '--data-dir', root], /--dataset must be voc-list, grabcut, .* or pascal-voc, got 'kitti'/],
      [['--data-dir', root], /--data-list is needed with --dataset voc-list/],
      [['--dataset', 'davis', '--data-dir', root, '--data-list', 'x.txt'], /--data-list is for --dataset voc-list/],
      [['--dataset', 'davis', '--data-dir', path.join(root, 'davis'), '--save-curve', 'c.png'], /--save-curve must end in .csv or .json/],
      [['--dataset', 'davis', '--data-dir', path.join(root, 'davis'), '--save-curve', path.join(root, 'davis', 'c.csv')], /--save-curve/],
      [['--dataset', 'sbd', '--data-dir', path.join(root, 'davis')], /davis[\\/]val\.txt: the layout has no image list/],
      [['--dataset', 'berkeley', '--data-dir', path.join(root, 'davis')], /davis[\\/]images: no such directory/],
    ];
    for (const [flags, message] of cases) {
      const e = capture();
      expect(await main(['node', 'objsel', 'noc', '--backend', 'wasm', '--weights', snap, ...flags], e.streams)).toBe(2);
      expect(e.err().trim().split('\n')).toHaveLength(1);
      expect(e.err()).toMatch(message);
    }
  }, 240_000);
});

describe('benchmarkFigures', () => {
  it('recomputes RITM figures from a run (a target met at the last click is a failure)', () => {
    const run = {
      thresholds: [0.85],
      maxClicks: 3,
      seconds: 1.2,
      instances: [{ ious: [0.2, 0.9] }, { ious: [0.1, 0.5, 0.86] }, { ious: [0.95] }],
    } as unknown as Parameters<typeof benchmarkFigures>[0];
    const f = benchmarkFigures(run, 'grabcut');
    expect(f.noc['NoC@85']).toBeCloseTo((2 + 3 + 1) / 3, 12);
    expect(f.nof['NoF@85']).toBe(1);
    expect(f.spc.total).toBeCloseTo(1.2 / 6, 12);
    expect(f.miou).toEqual({ 'mIoU@1': (0.2 + 0.1 + 0.95) / 3, 'mIoU@3': (0.9 + 0.86 + 0.95) / 3 });
  });
});
