/**
 * Issue 22's "done when": `objsel noc --dataset X` on the generated fixture of every layout
 * (tools/make-benchmark-fixtures.mjs) reports NoC@85/90, NoF, SPC (network and refinement apart)
 * and IoU@k with a curve SVG, each equal to a direct computation from the per-click IoUs; `objsel
 * data check --dataset X` verifies each fixture and names the first missing file.
 */
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeLabel, parseList } from '@objsel/voc-data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capture, run } from './capture';
import { directNoc, trainTinyInteractive } from './noc-fixtures';

const TOOL = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../tools/make-benchmark-fixtures.mjs');
const LAYOUTS = ['grabcut', 'berkeley', 'davis', 'davis-2017', 'coco-mval', 'coco', 'sbd', 'pascal-voc'] as const;
const SINGLE = new Set(['grabcut', 'berkeley', 'davis', 'coco-mval']);

let root: string;
let fx: string;
let snap: string;
/** Images and objects of the fixtures, counted from the VOC set they were made from. */
const counts = { images: 0, instances: 0 };

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'objsel-noc-layouts-'));
  fx = path.join(root, 'fx');
  snap = path.join(root, 'snap');
  execFileSync(process.execPath, [TOOL, fx, '--count', '3'], { stdio: 'pipe' });
  const voc = path.join(fx, 'voc');
  for (const list of ['train.txt', 'val.txt'])
    for (const entry of parseList(await fs.readFile(path.join(voc, list), 'utf8'), { dataDir: voc })) {
      const label = decodeLabel(await fs.readFile(path.join(voc, 'SegmentationObject', `${entry.id}.png`)));
      counts.images++;
      counts.instances += new Set([...label.data].filter((v) => v > 0 && v < 255)).size;
    }
  await trainTinyInteractive(voc, snap, 20);
}, 240_000);

afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

describe('objsel data check --dataset', () => {
  it.each(LAYOUTS)('%s: the fixture is complete with its own counts', async (layout) => {
    const objects = SINGLE.has(layout) ? counts.images : counts.instances;
    const r = await run(
      'data',
      'check',
      '--dataset',
      layout,
      '--data-dir',
      path.join(fx, layout),
      '--expect-images',
      String(counts.images),
      '--expect-objects',
      String(objects),
      '--json',
    );
    expect(r.code, r.err + r.out).toBe(0);
    const report = JSON.parse(r.out.trim().split('\n').pop()!);
    expect(report).toMatchObject({ dataset: layout, images: counts.images, objects, problems: [], ok: true });
  });

  it('against the published counts a fixture is incomplete; a missing file is named first', async () => {
    const g = await run('data', 'check', '--dataset', 'grabcut', '--data-dir', path.join(fx, 'grabcut'));
    expect(g.code).toBe(1);
    expect(g.out).toMatch(new RegExp(`images +${counts.images} of 50`));
    expect(g.out).toMatch(new RegExp(`grabcut: expected 50 images, found ${counts.images}`));
    // SBD without one listed image, then without one instance file.
    const sbd = path.join(root, 'sbd-broken');
    await fs.cp(path.join(fx, 'sbd'), sbd, { recursive: true });
    const first = (await fs.readFile(path.join(sbd, 'val.txt'), 'utf8')).trim().split('\n')[0]!;
    await fs.rm(path.join(sbd, 'img', `${first}.jpg`));
    const s = await run('data', 'check', '--dataset', 'sbd', '--data-dir', sbd, '--json');
    expect(s.code).toBe(1);
    const report = JSON.parse(s.out.trim().split('\n').pop()!);
    expect(report.problems[0]).toContain(path.join('img', `${first}.jpg`).replace(/\\/g, '/'));
    expect(report.problems[0]).toMatch(/listed in val\.txt but missing/);
    await fs.copyFile(path.join(fx, 'sbd', 'img', `${first}.jpg`), path.join(sbd, 'img', `${first}.jpg`));
    await fs.rm(path.join(sbd, 'inst', `${first}.mat`));
    const m = await run('data', 'check', '--dataset', 'sbd', '--data-dir', sbd, '--json');
    expect(JSON.parse(m.out.trim().split('\n').pop()!).problems[0]).toContain(`${first}.mat`);
    // GrabCut without a mask: the image that lacks it is named.
    const grabcut = path.join(root, 'grabcut-broken');
    await fs.cp(path.join(fx, 'grabcut'), grabcut, { recursive: true });
    const mask = (await fs.readdir(path.join(grabcut, 'boundary_GT')))[0]!;
    await fs.rm(path.join(grabcut, 'boundary_GT', mask));
    const b = await run('data', 'check', '--dataset', 'grabcut', '--data-dir', grabcut);
    expect(b.code).toBe(1);
    expect(b.out).toMatch(new RegExp(`no mask ${mask.replace('.bmp', '')}\\.png or .*\\.bmp for image`));
  });

  it('refuses bad flags in one line, exit 2', async () => {
    for (const [args, message] of [
      [['--dataset', 'kitti', '--data-dir', fx], /--dataset must be grabcut, .*got 'kitti'/],
      [['--dataset', 'davis', '--data-dir', path.join(fx, 'davis'), '--data-list', 'x.txt'], /--data-list is for VOC-format lists/],
      [['--dataset', 'davis', '--data-dir', path.join(fx, 'nope')], /--data-dir/],
      [['--dataset', 'davis', '--data-dir', path.join(fx, 'davis'), '--expect-images', '-1'], /--expect-images must be/],
      [['--data-dir', fx], /needs --data-list FILE .* or --dataset NAME/],
    ] as const) {
      const r = await run('data', 'check', ...args);
      expect(r.code).toBe(2);
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(r.err).toMatch(message);
    }
  });
});

describe('objsel noc --dataset on every layout', () => {
  it.each(LAYOUTS)(
    '%s: NoC@85/90, NoF, SPC and mIoU@k equal a direct computation; the curve SVG is drawn',
    async (layout) => {
      const svg = path.join(root, 'out', `${layout}.svg`);
      await fs.mkdir(path.dirname(svg), { recursive: true });
      const n = capture();
      const { main } = await import('../src/index');
      const code = await main(
        [
          'node',
          'objsel',
          'noc',
          '--backend',
          'wasm',
          '--json',
          '--dataset',
          layout,
          '--data-dir',
          path.join(fx, layout),
          '--weights',
          snap,
          '--max-clicks',
          '3',
          '--curve-svg',
          svg,
          '--refine',
          'graphcut',
        ],
        n.streams,
      );
      expect(code, n.err()).toBe(0);
      const r = n.result();
      expect(r.dataset).toBe(layout);
      expect(r.count).toBe(SINGLE.has(layout) ? counts.images : counts.instances);
      const ious = r.instances.map((i: { ious: number[] }) => i.ious) as number[][];
      for (const [key, t] of [
        ['85', 0.85],
        ['90', 0.9],
      ] as const) {
        const d = directNoc(ious, 3, t);
        expect(r.noc[`NoC@${key}`]).toBeCloseTo(d.noc, 12);
        expect(r.nof[`NoF@${key}`]).toBe(d.nof);
        for (const [k, v] of (r.iouCurve as number[]).entries()) expect(v).toBeCloseTo(d.curve[k]!, 12);
        expect(r.miou['mIoU@1']).toBeCloseTo(d.curve[0]!, 12);
        expect(r.miou['mIoU@3']).toBeCloseTo(d.curve[2]!, 12);
      }
      const clicks = ious.reduce((s, row) => s + row.length, 0);
      expect(r.spc.total).toBeCloseTo(r.seconds / clicks, 9);
      expect(r.spc.network).toBeGreaterThan(0);
      expect(r.spc.refinement).toBeGreaterThan(0);
      expect(r.spc.network + r.spc.refinement + r.spc.other).toBeCloseTo(r.spc.total, 6);
      const picture = await fs.readFile(svg, 'utf8');
      expect(picture).toMatch(/^<svg[\s\S]*<polyline/);
      expect(picture).toContain(`${layout} · snap · graphcut`);
    },
    120_000,
  );

  it('--zoom-in runs later clicks on crops (the same figures from the IoUs); --previous-mask is refused for the 5-channel model', async () => {
    await fs.mkdir(path.join(root, 'out'), { recursive: true });
    const n = capture();
    const { main } = await import('../src/index');
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
      path.join(fx, 'davis'),
      '--weights',
      snap,
      '--max-clicks',
      '4',
      '--save-curve',
      path.join(root, 'out', 'zoom.json'),
    ];
    // Graph cut keeps the clicked pixels selected, so there is a mask to zoom around from the first click.
    expect(
      await main(
        [...argv, '--zoom-in', '--zoom-min-crop', '8', '--zoom-target', '32', '--refine', 'graphcut', '--iou-thresholds', '0.8,0.9'],
        n.streams,
      ),
      n.err(),
    ).toBe(0);
    const r = n.result();
    expect(r.zoomedClicks).toBeGreaterThan(0);
    expect(r.thresholds).toEqual([0.8, 0.9]);
    const ious = r.instances.map((i: { ious: number[] }) => i.ious) as number[][];
    const d = directNoc(ious, 4, 0.8);
    expect(r.noc['NoC@80']).toBeCloseTo(d.noc, 12);
    expect(JSON.parse(await fs.readFile(path.join(root, 'out', 'zoom.json'), 'utf8')).label).toContain('zoom-in');
    for (const [flags, message] of [
      [['--previous-mask'], /--previous-mask needs a network trained with a previous-mask input channel.*5 channels/],
      [['--zoom-in', '--zoom-target', '2'], /--zoom-target must be/],
      [['--zoom-in', '--zoom-expansion', '0.5'], /--zoom-expansion must be/],
      [['--iou', '0.5', '--iou-thresholds', '0.85'], /--iou and --iou-thresholds are one option/],
      [['--iou-thresholds', '0.85,1.5'], /--iou-thresholds must be/],
    ] as const) {
      const e = capture();
      expect(await main([...argv, ...flags], e.streams)).toBe(2);
      expect(e.err().trim().split('\n')).toHaveLength(1);
      expect(e.err()).toMatch(message);
    }
    const m = await run(
      'noc',
      '--data-dir',
      path.join(fx, 'voc'),
      '--data-list',
      path.join(fx, 'voc', 'val.txt'),
      '--method',
      'geodesic',
      '--zoom-in',
    );
    expect(m.code).toBe(2);
    expect(m.err).toMatch(/--zoom-in crops the network's input; --method geodesic/);
  }, 240_000);
});
