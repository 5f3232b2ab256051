import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { VOC_PALETTE, encodePng, encodeSaliencyPng, makeSyntheticDataset, readNpz, readPng, writeNpy } from '@objsel/voc-data';
import { main } from '../src/index';
import { CliContext } from '../src/context';
import { makeDcspDemoStep } from '../src/commands/demo/dcsp-step';
import { capture } from './capture';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'objsel-dcsp-cli-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/**
 * An 8x4 image: class 3 (bird) attention peaks on the left half, class 15 (person) on the right,
 * class 7 (car, not tagged) is strong everywhere; saliency is high except in the bottom row.
 * Expected cues: 3 on the left, 15 on the right, background in the bottom row.
 */
function writeInputs(): { image: string; attention: string; saliency: string; expected: number[] } {
  const W = 8;
  const H = 4;
  const attention = new Float32Array(H * W * 20);
  const saliency = new Float32Array(H * W);
  const expected: number[] = [];
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const i = y * W + x;
      attention[i * 20 + 2] = x < 4 ? 5 : 0; // class 3
      attention[i * 20 + 14] = x < 4 ? 0 : 9; // class 15
      attention[i * 20 + 6] = 50; // class 7, absent
      saliency[i] = y === H - 1 ? 0.1 : 0.9;
      expected.push(y === H - 1 ? 0 : x < 4 ? 3 : 15);
    }
  const files = { image: path.join(dir, 'i.png'), attention: path.join(dir, 'a.npy'), saliency: path.join(dir, 's.png') };
  fs.writeFileSync(files.image, encodePng({ width: W, height: H, channels: 3, data: new Uint8Array(W * H * 3).fill(120) }));
  fs.writeFileSync(files.attention, writeNpy({ shape: [H, W, 20], data: attention }));
  fs.writeFileSync(files.saliency, encodeSaliencyPng({ width: W, height: H, data: saliency }));
  return { ...files, expected };
}

describe('objsel dcsp cues', () => {
  const inputs = writeInputs();

  it('writes the fused cues as a VOC-palette index PNG', async () => {
    const out = path.join(dir, 'sub', 'cues.png');
    const io = capture();
    const code = await main(
      [
        'node',
        'objsel',
        'dcsp',
        'cues',
        '--image',
        inputs.image,
        '--attention',
        inputs.attention,
        '--saliency',
        inputs.saliency,
        '--tags',
        '3,15',
        '--out',
        out,
      ],
      io.streams,
    );
    expect(io.err()).toBe('');
    expect(code).toBe(0);
    const png = readPng(new Uint8Array(fs.readFileSync(out)));
    expect(png.palette).toBeDefined();
    expect([...png.samples]).toEqual(inputs.expected);
    for (const c of [0, 3, 15]) expect([...png.palette!.subarray(c * 3, c * 3 + 3)]).toEqual([...VOC_PALETTE.subarray(c * 3, c * 3 + 3)]);
    expect(io.out()).toContain('bird');
  });

  it('accepts class names, a saliency .npy, a threshold, and reports JSON', async () => {
    const sal = path.join(dir, 's.npy');
    // Saliency 0.3 everywhere: HM(1, 0.3) = 0.46 > 0.4 but < 0.5.
    fs.writeFileSync(sal, writeNpy({ shape: [4, 8], data: new Float32Array(32).fill(0.3) }));
    const out = path.join(dir, 'cues2.png');
    for (const [threshold, want] of [
      ['0.4', 15],
      ['0.5', 0],
    ] as const) {
      const io = capture();
      const code = await main(
        [
          'node',
          'objsel',
          '--json',
          'dcsp',
          'cues',
          '--image',
          inputs.image,
          '--attention',
          inputs.attention,
          '--saliency',
          sal,
          '--tags',
          'bird,person',
          '--out',
          out,
          '--threshold',
          threshold,
        ],
        io.streams,
      );
      expect(code).toBe(0);
      const result = JSON.parse(io.out().trim().split('\n').pop()!);
      expect(result.type).toBe('result');
      expect(result.tags).toEqual([3, 15]);
      expect(readPng(new Uint8Array(fs.readFileSync(out))).samples[7]).toBe(want);
    }
  });

  it('rejects unknown tags and mismatched sizes on one line with exit 2', async () => {
    const io = capture();
    expect(
      await main(
        [
          'node',
          'objsel',
          'dcsp',
          'cues',
          '--image',
          inputs.image,
          '--attention',
          inputs.attention,
          '--saliency',
          inputs.saliency,
          '--tags',
          '3,dragon',
          '--out',
          path.join(dir, 'x.png'),
        ],
        io.streams,
      ),
    ).toBe(2);
    expect(io.err()).toContain("'dragon' is not a VOC object class");
    const small = path.join(dir, 'small.png');
    fs.writeFileSync(small, encodePng({ width: 4, height: 4, channels: 1, data: new Uint8Array(16) }));
    const io2 = capture();
    expect(
      await main(
        [
          'node',
          'objsel',
          'dcsp',
          'cues',
          '--image',
          inputs.image,
          '--attention',
          inputs.attention,
          '--saliency',
          small,
          '--tags',
          '3',
          '--out',
          path.join(dir, 'x.png'),
        ],
        io2.streams,
      ),
    ).toBe(2);
    expect(io2.err()).toMatch(/saliency is 4x4; expected the image size 4x8/);
    expect(io2.err().trim().split('\n')).toHaveLength(1);
  });
});

describe('objsel dcsp train / evaluate / test-voc on a tiny synthetic dataset', () => {
  it('runs attention, cues, segmentation and adaptation, then evaluates with the CRF and writes server PNGs', async () => {
    const data = path.join(dir, 'synth');
    await makeSyntheticDataset(
      { count: 6, seed: 7, width: 40, height: 32, classes: 2, minSize: 12, maxSize: 24, sbd: false, valFraction: 0.34 },
      (p, bytes) => {
        fs.mkdirSync(path.dirname(path.join(data, p)), { recursive: true });
        fs.writeFileSync(path.join(data, p), bytes);
      },
    );
    const snaps = path.join(dir, 'snaps');
    const attn = path.join(dir, 'attn');
    const io = capture();
    const code = await main(
      [
        'node',
        'objsel',
        '--json',
        '--backend',
        'wasm',
        'dcsp',
        'train',
        '--data-dir',
        data,
        '--classfc-data-list',
        path.join(data, 'train_labels_only.txt'),
        '--segment-data-list',
        path.join(data, 'train_attn_sal_labels.txt'),
        '--classfc-steps',
        '2',
        '--adapt-after',
        '2',
        '--learning-rate',
        '1e-3',
        '--attn-snapshot-dir',
        attn,
        '--snapshot-dir',
        snaps,
        '--from-scratch',
        '--depth',
        '50',
        '--width-multiplier',
        '0.0625',
        '--blocks',
        '1,1,1,1',
        '--aspp-rates',
        '1,2',
        '--num-classes',
        '3',
        '--batch-size',
        '2',
        '--input-size',
        '32,32',
        '--attention-train',
        'all',
        '--is-training',
      ],
      io.streams,
    );
    expect(io.err()).toBe('');
    expect(code).toBe(0);
    const lines = io
      .out()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const result = lines.at(-1);
    expect(result.type).toBe('result');
    expect(result.stages.map((s: { stage: string; steps: number }) => [s.stage, s.steps])).toEqual([
      ['attention', 2],
      ['segmentation', 2],
      ['segmentation-adapted', 2],
    ]);
    expect(lines.some((l) => l.task === 'dcsp initial cues')).toBe(true);
    expect(lines.some((l) => l.task === 'dcsp adapted cues')).toBe(true);
    // Checkpoints named as dcsp.py names them, loadable, with the attention head.
    expect(fs.existsSync(path.join(attn, 'ckpt-2', 'model.json'))).toBe(true);
    for (const step of [2, 4]) expect(fs.existsSync(path.join(snaps, `ckpt-${step}`, 'model.json'))).toBe(true);
    const modelJson = JSON.parse(fs.readFileSync(path.join(snaps, 'ckpt-4', 'model.json'), 'utf8'));
    expect(modelJson.weightsManifest[0].weights.map((w: { name: string }) => w.name)).toContain('fc1_voc12_d0/weights');
    expect(JSON.parse(fs.readFileSync(path.join(snaps, 'checkpoint.json'), 'utf8')).latest).toBe('ckpt-4');
    // Cues: DCSP's actv arrays (present classes only) and VOC-palette label PNGs.
    const trainIds = fs.readFileSync(path.join(data, 'ImageSets/Segmentation/train.txt'), 'utf8').trim().split('\n');
    const first = trainIds[0]!;
    const tags = fs
      .readFileSync(path.join(data, 'ClassCategories', `${first}.txt`), 'utf8')
      .trim()
      .split('\n');
    const actv = readNpz(new Uint8Array(fs.readFileSync(path.join(snaps, 'cues', 'initial', `${first}.npz`)))).get('actv')!;
    expect(actv.shape).toEqual([32, 40, tags.length]);
    expect(Math.max(...(actv.data as Float32Array))).toBeLessThanOrEqual(1);
    for (const stage of ['initial', 'adapted']) {
      const png = readPng(new Uint8Array(fs.readFileSync(path.join(snaps, 'cues', stage, `${first}.png`))));
      expect(png.palette).toBeDefined();
      // Initial cues hold background and the tagged classes; adapted ones any of the 3 classes
      // (DCSP multiplies logits by the tag mask, so an absent class scores 0 and may still win).
      const allowed = stage === 'initial' ? new Set([0, ...tags.map(Number)]) : new Set([0, 1, 2]);
      expect([...png.samples].every((v) => allowed.has(v))).toBe(true);
    }

    const ev = capture();
    expect(
      await main(
        [
          'node',
          'objsel',
          '--json',
          '--backend',
          'wasm',
          'dcsp',
          'evaluate',
          '--data-dir',
          data,
          '--data-list',
          path.join(data, 'val.txt'),
          '--restore-from',
          snaps,
          '--crf',
        ],
        ev.streams,
      ),
    ).toBe(0);
    const evaluation = JSON.parse(ev.out().trim().split('\n').pop()!);
    expect(evaluation.crf).toBe(true);
    expect(evaluation.scales).toEqual([1, 0.75, 0.5]);
    expect(evaluation.miou).toBeGreaterThanOrEqual(0);
    expect(evaluation.miou).toBeLessThanOrEqual(1);
    expect(evaluation.restoreFrom).toContain('ckpt-4');
    expect(evaluation.images).toBe(2);

    // The plain segmentation commands take the DCSP checkpoint too (the attention head is left out).
    const plain = capture();
    expect(
      await main(
        [
          'node',
          'objsel',
          '--json',
          '--backend',
          'wasm',
          'evaluate',
          '--data-dir',
          data,
          '--data-list',
          path.join(data, 'val.txt'),
          '--weights',
          snaps,
        ],
        plain.streams,
      ),
    ).toBe(0);
    expect(JSON.parse(plain.out().trim().split('\n').pop()!).images).toBe(2);
    const firstVal = fs.readFileSync(path.join(data, 'val.txt'), 'utf8').trim().split('\n')[0]!.split(' ')[0]!;
    const inferred = capture();
    expect(
      await main(
        [
          'node',
          'objsel',
          '--backend',
          'wasm',
          'infer',
          path.join(data, firstVal),
          '--weights',
          snaps,
          '--save-dir',
          path.join(dir, 'infer'),
        ],
        inferred.streams,
      ),
    ).toBe(0);
    expect(fs.existsSync(path.join(dir, 'infer', `${path.basename(firstVal, '.jpg')}_mask.png`))).toBe(true);

    const out = path.join(dir, 'server');
    const tv = capture();
    expect(
      await main(
        [
          'node',
          'objsel',
          '--backend',
          'wasm',
          'dcsp',
          'test-voc',
          '--data-dir',
          data,
          '--data-list',
          path.join(data, 'test.txt'),
          '--restore-from',
          snaps,
          '--save-dir',
          out,
        ],
        tv.streams,
      ),
    ).toBe(0);
    expect(tv.out()).toContain('saved to');
    const testIds = fs
      .readFileSync(path.join(data, 'test.txt'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => path.basename(l, '.jpg'));
    expect(fs.readdirSync(out).sort()).toEqual(testIds.map((id) => `${id}.png`).sort());
    const mask = readPng(new Uint8Array(fs.readFileSync(path.join(out, `${testIds[0]}.png`))));
    expect(mask.channels).toBe(1);
    expect([...mask.palette!.subarray(0, 768)]).toEqual([...VOC_PALETTE]);
    expect(mask.width).toBe(40);
  });

  it('failing after the attention checkpoint keeps it and says how to resume both stages', async () => {
    const data = path.join(dir, 'synth-late-failure');
    await makeSyntheticDataset(
      { count: 4, seed: 8, width: 40, height: 32, classes: 2, minSize: 12, maxSize: 24, sbd: false },
      (p, bytes) => {
        fs.mkdirSync(path.dirname(path.join(data, p)), { recursive: true });
        fs.writeFileSync(path.join(data, p), bytes);
      },
    );
    // The saliency maps are first read for the initial cues, after the attention stage's checkpoint.
    const secondEntry = fs.readFileSync(path.join(data, 'train_attn_sal_labels.txt'), 'utf8').split('\n')[1]!.split(' ');
    const saliency = path.join(data, secondEntry[2]!);
    fs.writeFileSync(saliency, fs.readFileSync(saliency).subarray(0, 20));
    const attn = path.join(dir, 'late-attn');
    const snaps = path.join(dir, 'late-snaps');
    const io = capture();
    const code = await main(
      [
        'node',
        'objsel',
        '--quiet',
        '--backend',
        'wasm',
        'dcsp',
        'train',
        '--data-dir',
        data,
        '--classfc-data-list',
        path.join(data, 'train_labels_only.txt'),
        '--segment-data-list',
        path.join(data, 'train_attn_sal_labels.txt'),
        '--classfc-steps',
        '1',
        '--adapt-after',
        '1',
        '--attn-snapshot-dir',
        attn,
        '--snapshot-dir',
        snaps,
        '--from-scratch',
        '--depth',
        '50',
        '--width-multiplier',
        '0.0625',
        '--blocks',
        '1,1,1,1',
        '--aspp-rates',
        '1,2',
        '--num-classes',
        '3',
        '--batch-size',
        '1',
        '--input-size',
        '32,32',
      ],
      io.streams,
    );
    expect(code, io.err()).toBe(2);
    expect(io.err().trim().split('\n'), io.err()).toHaveLength(1);
    expect(io.err()).toContain(path.basename(saliency));
    expect(io.err()).toContain(
      `stopped after checkpoint ckpt-1, kept in ${attn} (continue with --resume --attn-snapshot-dir ${attn} --snapshot-dir ${snaps}): `,
    );
    expect(fs.existsSync(path.join(attn, 'ckpt-1', 'model.json'))).toBe(true);
    // The segmentation stage took no checkpoint: its directory is not left behind.
    expect(fs.existsSync(snaps)).toBe(false);
  });

  it('rejects a list without class-category files on one line', async () => {
    const list = path.join(dir, 'bad.txt');
    fs.writeFileSync(list, '/JPEGImages/a.jpg /SegmentationClassAug/a.png\n');
    const io = capture();
    expect(
      await main(
        ['node', 'objsel', 'dcsp', 'train', '--classfc-data-list', list, '--segment-data-list', list, '--data-dir', dir],
        io.streams,
      ),
    ).toBe(2);
    expect(io.err()).toMatch(/--classfc-data-list: line 1 lacks a class-category file/);
  });
});

describe('the demo step', () => {
  it('runs DCSP on synthetic data and writes image | truth | cues | prediction strips', async () => {
    const io = capture();
    const ctx = new CliContext({ backend: 'wasm', json: true, quiet: false }, io.streams);
    const out = path.join(dir, 'demo');
    const step = makeDcspDemoStep({
      count: 5,
      size: 32,
      classes: 2,
      classfcSteps: 1,
      adaptAfter: 1,
      batchSize: 2,
      widthMultiplier: 1 / 16,
    });
    const { result, human } = await step.run({ options: { out, prototxt: '', seed: 3 }, ctx });
    expect(result.stages).toHaveLength(3);
    for (const key of ['initialCueMiou', 'adaptedCueMiou', 'trainMiou', 'valMiou', 'trainMiouNoCrf']) {
      expect(result[key]).toBeGreaterThanOrEqual(0);
      expect(result[key]).toBeLessThanOrEqual(1);
    }
    expect(result.beatsInitialCues).toBe((result.trainMiou as number) > (result.initialCueMiou as number));
    const strips = result.strips as string[];
    expect(strips).toHaveLength(3);
    const png = readPng(new Uint8Array(fs.readFileSync(strips[0]!)));
    expect([png.width, png.height, png.channels]).toEqual([128, 32, 3]);
    expect(human).toContain('mean IoU of the initial cues');
  });
});
