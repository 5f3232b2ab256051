import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crfRefine } from '@objsel/dense-crf';
import { decodeLabel, decodePngToRgb, readNpy, writeNpy } from '@objsel/voc-data';
import { main } from '../src/index';
import { fixture } from '../../../tools/test/fixtures';

async function run(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  process.exitCode = 0;
  const code = await main(['node', 'objsel', ...args], {
    stdout: { write: (s: string) => out.push(s), isTTY: false },
    stderr: { write: (s: string) => err.push(s), isTTY: false },
  });
  process.exitCode = 0;
  return { code, out: out.join(''), err: err.join('') };
}

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'objsel-crf-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('objsel crf', () => {
  it('--labels reproduces pydensecrf example output out1.png on ≥ 99.5% of pixels', async () => {
    const out = path.join(tmp, 'out1.png');
    const probsFile = path.join(tmp, 'q1.npy');
    const r = await run([
      'crf',
      '--image',
      fixture('pydensecrf/im1.png'),
      '--labels',
      fixture('pydensecrf/anno1.png'),
      '--gt-prob',
      '0.7',
      '--out',
      out,
      '--save-probs',
      probsFile,
      '--json',
    ]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const result = JSON.parse(r.out.trim().split('\n').pop()!);
    expect(result).toMatchObject({
      type: 'result',
      mode: 'labels',
      width: 320,
      height: 240,
      numLabels: 2,
      params: { iterations: 5, gaussian: { sxy: 3, compat: 3 }, bilateral: { sxy: 80, srgb: 13, compat: 10 } },
    });
    const ours = decodePngToRgb(new Uint8Array(fs.readFileSync(out)));
    const ref = decodePngToRgb(new Uint8Array(fs.readFileSync(fixture('pydensecrf/out1.png'))));
    let same = 0;
    for (let i = 0; i < ref.data.length; i += 3)
      if (ours.data[i] === ref.data[i] && ours.data[i + 1] === ref.data[i + 1] && ours.data[i + 2] === ref.data[i + 2]) same++;
    expect(same / (ref.width * ref.height)).toBeGreaterThanOrEqual(0.995);
    const q = readNpy(new Uint8Array(fs.readFileSync(probsFile)));
    expect(q.shape).toEqual([240, 320, 2]);
    expect((q.data as Float32Array)[0]! + (q.data as Float32Array)[1]!).toBeCloseTo(1, 5);
  });

  it('--probs writes the VOC-palette labels crfRefine computes, with flags over the preset', async () => {
    const img = decodePngToRgb(new Uint8Array(fs.readFileSync(fixture('pydensecrf/im2.png'))));
    const { width, height } = img;
    const n = width * height;
    const C = 3;
    const probs = new Float32Array(n * C);
    for (let i = 0; i < n; i++) {
      const x = i % width;
      const c = x < width / 3 ? 0 : x < (2 * width) / 3 ? 1 : 2;
      for (let k = 0; k < C; k++) probs[i * C + k] = k === c ? 0.5 : 0.25;
    }
    const npy = path.join(tmp, 'p.npy');
    fs.writeFileSync(npy, writeNpy({ shape: [height, width, C], data: probs }));
    const out = path.join(tmp, 'mask.png');
    const r = await run([
      'crf',
      '--image',
      fixture('pydensecrf/im2.png'),
      '--probs',
      npy,
      '--preset',
      'dcsp',
      '--iterations',
      '3',
      '--bilateral',
      '30,10,5',
      '--out',
      out,
      '--json',
    ]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const result = JSON.parse(r.out.trim().split('\n').pop()!);
    expect(result.params).toEqual({ iterations: 3, gaussian: { sxy: 3, compat: 3 }, bilateral: { sxy: 30, srgb: 10, compat: 5 } });
    const expected = crfRefine({
      probs,
      image: img.data,
      width,
      height,
      numLabels: C,
      preset: 'dcsp',
      params: { iterations: 3, bilateral: { sxy: 30, srgb: 10, compat: 5 } },
    });
    const label = decodeLabel(new Uint8Array(fs.readFileSync(out)));
    expect(label.form).toBe('palette');
    expect(Array.from(label.data)).toEqual(Array.from(expected.labels));
    expect(result.changedPixels).toBe(
      expected.labels.reduce((s, l, i) => s + (l !== (probs[i * C]! === 0.5 ? 0 : probs[i * C + 1]! === 0.5 ? 1 : 2) ? 1 : 0), 0),
    );
  });

  it('rejects bad input with one line and exit code 2', async () => {
    const both = await run([
      'crf',
      '--image',
      fixture('pydensecrf/im1.png'),
      '--probs',
      'a.npy',
      '--labels',
      'b.png',
      '--out',
      path.join(tmp, 'x.png'),
    ]);
    expect(both.code).toBe(2);
    expect(both.err).toMatch(/exactly one of --probs/);
    const badFlag = await run(['crf', '--image', 'x.png', '--labels', 'y.png', '--gaussian', '3', '--out', 'z.png']);
    expect(badFlag.code).toBe(2);
    const npy = path.join(tmp, 'wrong.npy');
    fs.writeFileSync(npy, writeNpy({ shape: [2, 2, 2], data: new Float32Array(8) }));
    const wrong = await run(['crf', '--image', fixture('pydensecrf/im1.png'), '--probs', npy, '--out', path.join(tmp, 'y.png')]);
    expect(wrong.code).toBe(2);
    expect(wrong.err.trim().split('\n')).toHaveLength(1);
    expect(wrong.err).toMatch(/\[240, 320, C\]/);
  });

  it('--help lists examples', async () => {
    const r = await run(['crf', '--help']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Examples:/);
    expect(r.out).toMatch(/--bilateral <sxy,srgb,compat>/);
  });
});
