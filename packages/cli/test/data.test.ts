import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VOC_PALETTE, decodeLabel, encodeIndexPng, encodePng, renderSyntheticSample, writeSbdLabel } from '@objsel/voc-data';
import { main } from '../src/index';
import { fixture } from '../../../tools/test/fixtures';
import { capture } from './capture';

async function run(args: string[]) {
  const io = capture();
  process.exitCode = 0;
  const code = await main(['node', 'objsel', ...args], io.streams);
  process.exitCode = 0;
  return { code, out: io.out(), err: io.err() };
}

const SYN = { count: 6, seed: 3, width: 96, height: 72, minSize: 24, maxSize: 48, classes: 4 };
let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'objsel-data-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('objsel data make-synthetic + check', () => {
  it('writes a VOC-format dataset that data check passes, histogram equal to a direct count', async () => {
    const out = path.join(tmp, 'synth');
    const made = await run([
      'data',
      'make-synthetic',
      '--out',
      out,
      '--count',
      '6',
      '--seed',
      '3',
      '--width',
      '96',
      '--height',
      '72',
      '--min-size',
      '24',
      '--max-size',
      '48',
      '--classes',
      '4',
      '--json',
    ]);
    expect(made.code).toBe(0);
    const summary = JSON.parse(made.out.trim().split('\n').pop()!);
    expect(summary).toMatchObject({ count: 6, train: 5, val: 1, numClasses: 5 });
    for (const dir of [
      'JPEGImages',
      'SegmentationClass',
      'SegmentationClassAug',
      'SegmentationObject',
      'Annotations',
      'ClassCategories',
      'Saliency',
      'cls',
      'inst',
    ]) {
      expect(fs.readdirSync(path.join(out, dir)).length).toBeGreaterThanOrEqual(6);
    }
    for (const list of [
      'train.txt',
      'val.txt',
      'test.txt',
      'train_labels_only.txt',
      'train_attn_sal_labels.txt',
      'ImageSets/Segmentation/trainval.txt',
    ])
      expect(fs.existsSync(path.join(out, list))).toBe(true);
    expect(fs.readFileSync(path.join(out, 'train.txt'), 'utf8').split('\n')[0]).toBe(
      '/JPEGImages/synth_000000.jpg /SegmentationClassAug/synth_000000.png',
    );

    const checked = await run([
      'data',
      'check',
      '--data-dir',
      out,
      '--data-list',
      path.join(out, 'train.txt'),
      '--num-classes',
      '5',
      '--json',
    ]);
    expect(checked.code).toBe(0);
    const lines = checked.out.trim().split('\n');
    expect(lines).toHaveLength(1); // one JSON object
    const report = JSON.parse(lines[0]!);
    expect(report.entries).toBe(5);
    expect(report.labelForms).toEqual({ palette: 0, gray: 5, color: 0 });
    expect(report.errors).toEqual([]);
    // Independent count: render the same samples again and count their class labels.
    const hist = new Array(5).fill(0);
    let ignored = 0;
    for (let i = 0; i < 5; i++) for (const v of renderSyntheticSample(i, SYN).classLabel) v === 255 ? ignored++ : hist[v]++;
    expect(report.histogram).toEqual(hist);
    expect(report.ignored).toBe(ignored);

    // The palette labels and the ImageSets id list check the same.
    const idList = path.join(tmp, 'ids.txt');
    fs.writeFileSync(idList, fs.readFileSync(path.join(out, 'ImageSets/Segmentation/train.txt')));
    const viaIds = JSON.parse(
      (await run(['data', 'check', '--data-dir', out, '--data-list', idList, '--num-classes', '5', '--json'])).out.trim(),
    );
    expect(viaIds.labelForms).toEqual({ palette: 5, gray: 0, color: 0 });
    expect(viaIds.histogram).toEqual(hist);

    // DCSP lists: class files and saliency are checked; attention maps do not exist yet.
    const dcsp = JSON.parse(
      (
        await run([
          'data',
          'check',
          '--data-dir',
          out,
          '--data-list',
          path.join(out, 'train_attn_sal_labels.txt'),
          '--num-classes',
          '5',
          '--json',
        ])
      ).out.trim(),
    );
    expect(dcsp.errors.length).toBe(5);
    expect(dcsp.errors.every((e: { problem: string; file: string }) => e.problem === 'missing-file' && e.file.includes('Attentions'))).toBe(
      true,
    );
  });

  it('classifies palette, grey, colour, broken, mismatched, luminance and missing labels; exit 1', async () => {
    const d = path.join(tmp, 'mixed');
    fs.mkdirSync(path.join(d, 'JPEGImages'), { recursive: true });
    fs.mkdirSync(path.join(d, 'L'), { recursive: true });
    const w = 8;
    const h = 6;
    const img = encodePng({ width: w, height: h, channels: 3, data: new Uint8Array(w * h * 3).fill(90) });
    fs.writeFileSync(path.join(d, 'JPEGImages/a.png'), img);
    fs.copyFileSync(fixture('deeplab/2007_000129.jpg'), path.join(d, 'JPEGImages/real.jpg'));
    const idx = Uint8Array.from({ length: w * h }, (_, i) => [0, 1, 15, 255][i % 4]!);
    fs.writeFileSync(path.join(d, 'L/palette.png'), encodeIndexPng(idx, w, h));
    fs.writeFileSync(path.join(d, 'L/gray.png'), encodePng({ width: w, height: h, channels: 1, data: idx }));
    const rgb = new Uint8Array(w * h * 3);
    idx.forEach((v, i) => {
      rgb.set(VOC_PALETTE.subarray(v * 3, v * 3 + 3), i * 3);
    });
    fs.writeFileSync(path.join(d, 'L/color.png'), encodePng({ width: w, height: h, channels: 3, data: rgb }));
    const good = encodeIndexPng(idx, w, h);
    fs.writeFileSync(path.join(d, 'L/broken.png'), good.subarray(0, good.length - 30));
    fs.writeFileSync(path.join(d, 'L/small.png'), encodeIndexPng(new Uint8Array(4 * 3), 4, 3));
    // Luminance of aeroplane (38), person (147), void (220): a palette label saved as grey.
    const lum = Uint8Array.from({ length: w * h }, (_, i) => [0, 38, 147, 220][i % 4]!);
    fs.writeFileSync(path.join(d, 'L/luminance.png'), encodePng({ width: w, height: h, channels: 1, data: lum }));
    fs.writeFileSync(
      path.join(d, 'L/values.png'),
      encodePng({ width: w, height: h, channels: 1, data: Uint8Array.from({ length: w * h }, (_, i) => (i === 0 ? 30 : 1)) }),
    );
    fs.copyFileSync(fixture('deeplab/2007_000129.png'), path.join(d, 'L/real.png'));
    const list = [
      '/JPEGImages/a.png /L/palette.png',
      '/JPEGImages/a.png /L/gray.png',
      '/JPEGImages/a.png /L/color.png',
      '/JPEGImages/a.png /L/broken.png',
      '/JPEGImages/a.png /L/small.png',
      '/JPEGImages/a.png /L/luminance.png',
      '/JPEGImages/a.png /L/values.png',
      '/JPEGImages/a.png /L/missing.png',
      'this line is not a list line',
      '/JPEGImages/real.jpg /L/real.png',
    ].join('\n');
    fs.writeFileSync(path.join(d, 'list.txt'), list);
    const r = await run(['data', 'check', '--data-dir', d, '--data-list', path.join(d, 'list.txt'), '--json']);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.out.trim());
    expect(report.entries).toBe(10);
    expect(report.labelForms).toEqual({ palette: 2, gray: 4, color: 1 });
    const byLine = Object.fromEntries(report.errors.map((e: { line: number; problem: string }) => [e.line, e.problem]));
    expect(byLine).toEqual({
      4: 'unreadable',
      5: 'size-mismatch',
      6: 'luminance-labels',
      7: 'bad-values',
      8: 'missing-file',
      9: 'bad-list',
    });
    expect(report.errors.find((e: { line: number }) => e.line === 8).file).toBe(path.join(d, 'L/missing.png'));
    // Histogram: lines 1-3 (12 px of each of 0/1/15, 12 of 255 each), line 5 (12 px of 0), line 7 (47 px of 1),
    // line 6 (12 px of 0; the rest out of range), and the real label counted directly.
    const real = decodeLabel(fs.readFileSync(fixture('deeplab/2007_000129.png')));
    const expected = new Array(21).fill(0);
    for (const v of real.data) if (v < 21) expected[v]++;
    expected[0] += 3 * 12 + 12 + 12;
    expected[1] += 3 * 12 + 47;
    expected[15] += 3 * 12;
    expect(report.histogram).toEqual(expected);
    expect(report.ignored).toBe(3 * 12 + real.data.filter((v) => v === 255).length);

    const human = await run(['data', 'check', '--data-dir', d, '--data-list', path.join(d, 'list.txt')]);
    expect(human.code).toBe(1);
    expect(human.out).toContain('luminance-labels');
    expect(human.out).toContain('FAILED: 6 error(s)');
  });
});

describe('objsel data sbd-to-png', () => {
  it('converts cls and inst .mat files to index PNGs equal to the rendered labels', async () => {
    const d = path.join(tmp, 'sbd');
    fs.mkdirSync(path.join(d, 'cls'), { recursive: true });
    fs.mkdirSync(path.join(d, 'inst'), { recursive: true });
    const samples = [0, 1, 2].map((i) => renderSyntheticSample(i, SYN));
    for (const s of samples) {
      fs.writeFileSync(path.join(d, 'cls', `${s.id}.mat`), writeSbdLabel({ kind: 'cls', width: 96, height: 72, data: s.classLabelNoVoid }));
      fs.writeFileSync(
        path.join(d, 'inst', `${s.id}.mat`),
        writeSbdLabel({ kind: 'inst', width: 96, height: 72, data: s.objectLabelNoVoid, categories: s.objects.map((o) => o.classId) }),
      );
    }
    const r = await run(['data', 'sbd-to-png', '--data-dir', d, '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out.trim().split('\n').pop()!)).toMatchObject({ converted: 3, failures: [] });
    for (const s of samples) {
      const label = decodeLabel(fs.readFileSync(path.join(d, 'SegmentationClassAug', `${s.id}.png`)));
      expect(label.form).toBe('gray');
      expect(Buffer.from(label.data).equals(Buffer.from(s.classLabelNoVoid))).toBe(true);
    }
    const inst = await run([
      'data',
      'sbd-to-png',
      '--data-dir',
      d,
      '--kind',
      'inst',
      '--format',
      'palette',
      '--out',
      path.join(d, 'obj'),
      '--json',
    ]);
    expect(inst.code).toBe(0);
    const label = decodeLabel(fs.readFileSync(path.join(d, 'obj', `${samples[1]!.id}.png`)));
    expect(label.form).toBe('palette');
    expect(Buffer.from(label.data).equals(Buffer.from(samples[1]!.objectLabelNoVoid))).toBe(true);

    fs.writeFileSync(path.join(d, 'cls', 'bad.mat'), new Uint8Array(200));
    const bad = await run(['data', 'sbd-to-png', '--data-dir', d, '--json']);
    expect(bad.code).toBe(1);
    const res = JSON.parse(bad.out.trim().split('\n').pop()!);
    expect(res.converted).toBe(3);
    expect(res.failures[0].message).toContain('bad.mat');
  });

  it('bad flags are usage errors (exit 2)', async () => {
    expect((await run(['data', 'make-synthetic', '--out', path.join(tmp, 'x'), '--count', '0'])).code).toBe(2);
    expect((await run(['data', 'make-synthetic', '--out', path.join(tmp, 'x'), '--classes', '21'])).code).toBe(2);
    const missing = await run(['data', 'check', '--data-dir', tmp, '--data-list', path.join(tmp, 'nope.txt')]);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('nope.txt');
  });
});
