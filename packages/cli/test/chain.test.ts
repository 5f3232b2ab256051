/**
 * `infer --save-probs` feeds `crf --probs` and `graphcut --probs` directly. The saved softmax is
 * checked against an independent computation (the saved scale-1 logits upsampled with TF1
 * `resize_bilinear` semantics and soft-maxed in plain JavaScript), and the chained commands
 * against the same commands fed that independent softmax.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeWeightsDir } from '@objsel/caffe-import/node';
import { DeepLabResNet, loadBackend, resnetConfig } from '@objsel/deeplab-resnet';
import { decodeImage, decodeLabel, encodePng, readNpy, writeNpy } from '@objsel/voc-data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '../../../tools/test/fixtures';
import { lastJson, run } from './capture';

const W = 120;
const H = 90;
const CLASSES = 3;
let dir: string;
let weights: string;
let image: string;

/** TF1 `resize_bilinear` (align_corners false, no half-pixel centres) of an HWC array, in plain JS. */
function resizeBilinear(data: Float32Array, h: number, w: number, c: number, outH: number, outW: number): Float64Array {
  const out = new Float64Array(outH * outW * c);
  for (let y = 0; y < outH; y++) {
    const sy = (y * h) / outH;
    const y0 = Math.floor(sy);
    const y1 = Math.min(y0 + 1, h - 1);
    const fy = sy - y0;
    for (let x = 0; x < outW; x++) {
      const sx = (x * w) / outW;
      const x0 = Math.floor(sx);
      const x1 = Math.min(x0 + 1, w - 1);
      const fx = sx - x0;
      for (let k = 0; k < c; k++) {
        const at = (yy: number, xx: number) => data[(yy * w + xx) * c + k]!;
        const top = at(y0, x0) + (at(y0, x1) - at(y0, x0)) * fx;
        const bottom = at(y1, x0) + (at(y1, x1) - at(y1, x0)) * fx;
        out[(y * outW + x) * c + k] = top + (bottom - top) * fy;
      }
    }
  }
  return out;
}

/** Soft-max over the last axis. */
function softmax(data: Float64Array, c: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let i = 0; i < data.length; i += c) {
    let max = -Infinity;
    for (let k = 0; k < c; k++) max = Math.max(max, data[i + k]!);
    let sum = 0;
    for (let k = 0; k < c; k++) sum += Math.exp(data[i + k]! - max);
    for (let k = 0; k < c; k++) out[i + k] = Math.exp(data[i + k]! - max) / sum;
  }
  return out;
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'objsel-chain-'));
  await loadBackend('wasm');
  const net = DeepLabResNet.create(
    resnetConfig(50, { blocks: [1, 1, 1, 1], widthMultiplier: 1 / 16, numClasses: CLASSES, asppRates: [2, 4] }),
    { seed: 11 },
  );
  weights = path.join(dir, 'weights');
  await writeWeightsDir(weights, await net.toWeightEntries(), net.meta());
  net.dispose();
  // A 120x90 crop of the VOC photo keeps the CRF quick.
  const photo = await decodeImage(fs.readFileSync(fixture('deeplab/2007_000129.jpg')));
  const crop = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y++) crop.set(photo.data.subarray(((y + 200) * 334 + 100) * 3, ((y + 200) * 334 + 100 + W) * 3), y * W * 3);
  image = path.join(dir, 'crop.png');
  fs.writeFileSync(image, encodePng({ width: W, height: H, channels: 3, data: crop }));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('infer --save-probs → crf / graphcut', () => {
  it('writes the image-size softmax that crf and graphcut take as they take an independently computed one', async () => {
    const probsFile = path.join(dir, 'probs.npy');
    const logitsFile = path.join(dir, 'logits.npy');
    const inferred = await run(
      '--backend',
      'wasm',
      'infer',
      image,
      '--weights',
      weights,
      '--save-dir',
      path.join(dir, 'out'),
      '--save-probs',
      probsFile,
      '--save-logits',
      logitsFile,
      '--json',
    );
    expect(inferred.err).toBe('');
    expect(inferred.code).toBe(0);
    expect((lastJson(inferred.out).images as Array<{ probs: string }>)[0]!.probs).toBe(probsFile);

    const probs = readNpy(fs.readFileSync(probsFile));
    expect(probs.shape).toEqual([H, W, CLASSES]);
    expect(probs.dtype).toBe('float32');
    const logits = readNpy(fs.readFileSync(logitsFile));
    const [h, w] = logits.shape as [number, number, number];
    const independent = softmax(resizeBilinear(logits.data as Float32Array, h, w, CLASSES, H, W), CLASSES);
    let maxError = 0;
    for (let i = 0; i < independent.length; i++)
      maxError = Math.max(maxError, Math.abs(independent[i]! - (probs.data as Float32Array)[i]!));
    // float32 upsampling and exp on wasm vs float64 here: float32 rounding of logits in the tens.
    expect(maxError).toBeLessThan(5e-5);
    // Not a flat field: the comparison below decides something.
    const argmaxCounts = new Array<number>(CLASSES).fill(0);
    for (let i = 0; i < H * W; i++) {
      const p = (probs.data as Float32Array).subarray(i * CLASSES, (i + 1) * CLASSES);
      argmaxCounts[p.indexOf(Math.max(...p))]!++;
    }
    expect(argmaxCounts.filter((n) => n > 0).length).toBeGreaterThan(1);
    const independentFile = path.join(dir, 'independent.npy');
    fs.writeFileSync(independentFile, writeNpy({ shape: [H, W, CLASSES], data: independent }));

    // crf: the chained file and the independent one give the same labels.
    const crf = async (file: string, out: string) => {
      const r = await run('crf', '--image', image, '--probs', file, '--iterations', '5', '--out', out, '--json');
      expect(r.code).toBe(0);
      return decodeLabel(new Uint8Array(fs.readFileSync(out))).data;
    };
    const chained = await crf(probsFile, path.join(dir, 'crf-chained.png'));
    const reference = await crf(independentFile, path.join(dir, 'crf-independent.png'));
    expect(Array.from(chained)).toEqual(Array.from(reference));

    // graphcut: the foreground class of the softmax (--class), against the independent channel as [H, W].
    const foreground = new Float32Array(H * W).map((_, i) => independent[i * CLASSES + 2]!);
    const foregroundFile = path.join(dir, 'foreground.npy');
    fs.writeFileSync(foregroundFile, writeNpy({ shape: [H, W], data: foreground }));
    const cut = async (args: string[], out: string) => {
      const r = await run('graphcut', '--image', image, ...args, '--out', out, '--json');
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      return { result: lastJson(r.out), mask: Array.from(decodeLabel(new Uint8Array(fs.readFileSync(out))).data) };
    };
    const viaClass = await cut(['--probs', probsFile, '--class', '2'], path.join(dir, 'cut-chained.png'));
    const viaMap = await cut(['--probs', foregroundFile], path.join(dir, 'cut-independent.png'));
    expect(new Set(viaMap.mask).size).toBe(2); // both labels occur: the cut decided something
    expect(viaClass.mask).toEqual(viaMap.mask);
    expect(viaClass.result.energy as number).toBeCloseTo(viaMap.result.energy as number, 2);
  });

  it('graphcut takes a binary softmax [H, W, 2] as channel 1', async () => {
    const p = new Float32Array(H * W).map((_, i) => ((i % W) / W) * 0.9 + 0.05);
    const two = new Float32Array(H * W * 2);
    for (let i = 0; i < H * W; i++) {
      two[2 * i] = 1 - p[i]!;
      two[2 * i + 1] = p[i]!;
    }
    fs.writeFileSync(path.join(dir, 'two.npy'), writeNpy({ shape: [H, W, 2], data: two }));
    fs.writeFileSync(path.join(dir, 'one.npy'), writeNpy({ shape: [H, W], data: p }));
    const a = await run('graphcut', '--image', image, '--probs', path.join(dir, 'two.npy'), '--out', path.join(dir, 'two.png'));
    const b = await run('graphcut', '--image', image, '--probs', path.join(dir, 'one.npy'), '--out', path.join(dir, 'one.png'));
    expect([a.code, b.code]).toEqual([0, 0]);
    expect(fs.readFileSync(path.join(dir, 'two.png'))).toEqual(fs.readFileSync(path.join(dir, 'one.png')));
  });

  it('rejects logits, swapped axes and a missing --class in one line, exit 2', async () => {
    const logits = path.join(dir, 'low.npy');
    fs.writeFileSync(logits, writeNpy({ shape: [12, 15, CLASSES], data: new Float32Array(12 * 15 * CLASSES).fill(0.3) }));
    const swapped = path.join(dir, 'swapped.npy');
    fs.writeFileSync(swapped, writeNpy({ shape: [W, H, CLASSES], data: new Float32Array(W * H * CLASSES).fill(1 / 3) }));
    const raw = path.join(dir, 'raw.npy');
    fs.writeFileSync(raw, writeNpy({ shape: [H, W, CLASSES], data: new Float32Array(W * H * CLASSES).fill(-2.5) }));
    const cases: Array<[string[], RegExp]> = [
      [['crf', '--probs', logits], /low\.npy: .*smaller than the image: --save-logits .*infer --save-probs/],
      [['crf', '--probs', swapped], /swapped\.npy: .*rows and columns swapped/],
      [['crf', '--probs', raw], /raw\.npy: value -2\.5 .* not a probability .*logits\?/],
      [['graphcut', '--probs', raw], /raw\.npy: 3 classes: give the foreground class with --class K \(0\.\.2\)/],
      [['graphcut', '--probs', raw, '--class', '3'], /--class 3 is out of range: the file has 3 classes/],
    ];
    for (const [args, message] of cases) {
      const r = await run(args[0]!, '--image', image, ...args.slice(1), '--out', path.join(dir, 'never.png'));
      expect(r.code).toBe(2);
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(r.err).toMatch(message);
      expect(fs.existsSync(path.join(dir, 'never.png'))).toBe(false);
    }
  });
});

describe("infer: the originals' flags", () => {
  it('IMAGE WEIGHTS as inference.py takes them and --restore-from give the same mask as --weights', async () => {
    const masks: Buffer[] = [];
    for (const [i, form] of [['--weights', weights], ['--restore-from', weights], [weights]].entries()) {
      const out = path.join(dir, `form${i}`);
      const r = await run('--backend', 'wasm', '--quiet', 'infer', image, ...form, '--num-classes', String(CLASSES), '--save-dir', out);
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      masks.push(fs.readFileSync(path.join(out, 'crop_mask.png')));
    }
    expect(masks[1]).toEqual(masks[0]);
    expect(masks[2]).toEqual(masks[0]);
  });

  it('--num-classes other than the weights, and several images without --weights, fail in one line before writing', async () => {
    const out = path.join(dir, 'never');
    const wrong = await run('--backend', 'wasm', 'infer', image, weights, '--num-classes', '21', '--save-dir', out);
    expect(wrong.code).toBe(2);
    expect(wrong.err.trim().split('\n')).toEqual([
      `objsel: --num-classes 21 does not match the weights: ${weights} has ${CLASSES} classes`,
    ]);
    const ambiguous = await run('infer', image, image, weights, '--save-dir', out);
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.err).toMatch(/3 images and no --weights: give the network with --weights DIR/);
    expect(fs.existsSync(out)).toBe(false);
  });
});
