import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeWeightsDir } from '@objsel/caffe-import/node';
import { DcspNetwork } from '@objsel/dcsp';
import { DeepLabResNet, ONNX_UPSAMPLED, FoldedDeepLab, loadBackend, readOnnxInfo, resnetConfig } from '@objsel/deeplab-resnet';
import { interactiveConfig } from '@objsel/deeplab-resnet/interactive';
import { OnnxSegmenter, WEIGHTS_DIGEST_FILE } from '@objsel/deeplab-resnet/onnx';
import { encodePng, readPng } from '@objsel/voc-data';
import * as tf from '@tensorflow/tfjs-core';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { run, lastJson } from './capture';

// Simulates a machine without onnxruntime-node: its import fails as Node's does for a missing package.
const runtime = vi.hoisted(() => ({ missing: false }));
vi.mock('@objsel/deeplab-resnet/onnx', async (importOriginal) => {
  const m = await importOriginal<typeof import('@objsel/deeplab-resnet/onnx')>();
  const notFound = () =>
    Promise.reject(
      Object.assign(new Error("Cannot find package 'onnxruntime-node' imported from objsel"), { code: 'ERR_MODULE_NOT_FOUND' }),
    );
  return {
    ...m,
    loadOnnxRuntime: (importer?: (s: string) => Promise<unknown>) => m.loadOnnxRuntime(runtime.missing ? notFound : importer),
  };
});

/** Seeded pseudo-random bytes. */
function bytes(n: number, seed: number): Uint8Array {
  let s = seed >>> 0;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s >>> 24;
  }
  return out;
}

/** ‖a − b‖ / ‖b‖. */
function relativeL2(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.length; i++) {
    num += (a[i]! - b[i]!) ** 2;
    den += b[i]! ** 2;
  }
  return Math.sqrt(num / den);
}

const small = { blocks: [1, 1, 1, 1], widthMultiplier: 0.0625 };
let dir: string;
const weights = { semantic: '', dcsp: '', interactive: '' };
const image = { width: 37, height: 30 };
let imageFile: string;

beforeAll(async () => {
  await loadBackend('wasm');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'objsel-cli-onnx-'));
  const semantic = DeepLabResNet.create(resnetConfig(50, { ...small, numClasses: 4 }), { seed: 11 });
  weights.semantic = path.join(dir, 'semantic');
  await writeWeightsDir(weights.semantic, await semantic.toWeightEntries(), semantic.meta());
  semantic.dispose();
  const dcsp = DcspNetwork.create(resnetConfig(50, { ...small, numClasses: 21 }), { seed: 12 });
  weights.dcsp = path.join(dir, 'dcsp');
  await writeWeightsDir(weights.dcsp, await dcsp.toWeightEntries(), dcsp.meta());
  dcsp.dispose();
  const interactive = DeepLabResNet.create(interactiveConfig(50, small), { seed: 13 });
  weights.interactive = path.join(dir, 'interactive');
  await writeWeightsDir(weights.interactive, await interactive.toWeightEntries(), interactive.meta());
  interactive.dispose();
  imageFile = path.join(dir, 'photo.png');
  fs.writeFileSync(imageFile, encodePng({ ...image, channels: 3, data: bytes(image.width * image.height * 3, 7) }));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('objsel export --to onnx', () => {
  it('exports each network kind with the outputs asked for, and ONNX Runtime matches the TF.js folded forward', async () => {
    const cases: Array<[keyof typeof weights, string[], string[]]> = [
      ['semantic', [], ['fc1_voc12']],
      ['semantic', ['--with-upsampled'], ['fc1_voc12', ONNX_UPSAMPLED]],
      ['dcsp', [], ['fc1_voc12', 'fc1_voc12_d0']],
      ['dcsp', ['--no-attention'], ['fc1_voc12']],
      ['interactive', ['--with-upsampled'], ['fc1_voc12', ONNX_UPSAMPLED]],
    ];
    for (const [kind, extra, outputs] of cases) {
      const out = path.join(dir, `${kind}${extra.join('')}.onnx`);
      const r = await run('export', '--weights', weights[kind], '--to', 'onnx', '--out', out, ...extra, '--json', '--backend', 'wasm');
      expect(r.code, r.err).toBe(0);
      const result = lastJson(r.out);
      expect(result).toMatchObject({ to: 'onnx', out, outputs });
      const file = new Uint8Array(fs.readFileSync(out));
      const info = readOnnxInfo(file);
      expect(Object.keys(info.outputs)).toEqual(outputs);
      expect(info.sourceWeights).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(fs.readdirSync(path.dirname(out)).filter((f) => f.includes('.tmp-'))).toEqual([]);

      // Logits against the TF.js folded forward of the same weights (read back independently).
      const { readWeightsDir } = await import('@objsel/caffe-import/node');
      const { entries, modelJson } = await readWeightsDir(weights[kind]);
      const network = DeepLabResNet.fromWeights(entries, modelJson.objsel, { ignoreUnexpected: (n) => n.startsWith('fc1_voc12_d0/') });
      const folded = FoldedDeepLab.fromModel(network);
      network.dispose();
      const c = info.inputChannels;
      const [h, w] = [29, 34];
      const input = Float32Array.from(bytes(h * w * c, 3), (v) => v - 128);
      const x = tf.tensor4d(input, [1, h, w, c]);
      const y = folded.predict(x);
      const expected = (await y.data()) as Float32Array;
      tf.dispose([x, y]);
      folded.dispose();
      const segmenter = await OnnxSegmenter.create(file, { runtime: ort });
      const { logits } = await segmenter.run(input, h, w);
      await segmenter.dispose();
      expect(logits.data.length).toBe(expected.length);
      expect(relativeL2(logits.data, expected)).toBeLessThan(1e-5);
    }
  });

  it('refuses --out equal to an input, and an unknown --to', async () => {
    const shard = fs.readdirSync(weights.semantic).find((f) => f.endsWith('.bin'))!;
    for (const out of [path.join(weights.semantic, 'model.json'), path.join(weights.semantic, shard), weights.semantic]) {
      const r = await run('export', '--weights', weights.semantic, '--to', 'onnx', '--out', out);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/--out .* (is|is inside) the input/);
      expect(r.err.trim().split('\n')).toHaveLength(1);
    }
    expect((await run('export', '--weights', weights.semantic, '--to', 'tflite', '--out', path.join(dir, 'x'))).code).toBe(2);
  });
});

describe('--backend onnx', () => {
  it('infer gives the same masks as the TF.js backend, and the second run is served from the cache', async () => {
    const tfjsDir = path.join(dir, 'out-wasm');
    const onnxDir = path.join(dir, 'out-onnx');
    const a = await run('infer', imageFile, '--weights', weights.semantic, '--save-dir', tfjsDir, '--backend', 'wasm', '--json');
    expect(a.code, a.err).toBe(0);
    const b = await run('infer', imageFile, '--weights', weights.semantic, '--save-dir', onnxDir, '--backend', 'onnx', '--json');
    expect(b.code, b.err).toBe(0);
    expect(lastJson(b.out)).toMatchObject({ backend: 'onnx' });
    const mask = (d: string) => readPng(new Uint8Array(fs.readFileSync(path.join(d, 'photo_mask.png')))).samples;
    expect(mask(onnxDir)).toEqual(mask(tfjsDir));
    expect(new Set(mask(tfjsDir)).size).toBeGreaterThan(1); // not a trivial one-class mask
    const cached = fs.readdirSync(weights.semantic).filter((f) => /^model\.[0-9a-f]{16}\.semantic\..*\.onnx$/.test(f));
    expect(cached.length).toBeGreaterThanOrEqual(1);
    expect(fs.existsSync(path.join(weights.semantic, WEIGHTS_DIGEST_FILE))).toBe(true);
    const mtimes = cached.map((f) => fs.statSync(path.join(weights.semantic, f)).mtimeMs);
    const c = await run('infer', imageFile, '--weights', weights.semantic, '--save-dir', onnxDir, '--backend', 'onnx', '--json');
    expect(c.code, c.err).toBe(0);
    expect(c.err).not.toMatch(/exported the network/);
    expect(cached.map((f) => fs.statSync(path.join(weights.semantic, f)).mtimeMs)).toEqual(mtimes);
    expect(mask(onnxDir)).toEqual(mask(tfjsDir));
  });

  it('select gives the same mask as the TF.js backend on the interactive network', async () => {
    const masks: Uint8Array[] = [];
    for (const backend of ['wasm', 'onnx']) {
      const out = path.join(dir, `select-${backend}.png`);
      const s = await run(
        'select',
        imageFile,
        '--weights',
        weights.interactive,
        '--click',
        '10,12,+',
        '--refine',
        'none',
        '--out',
        out,
        '--backend',
        backend,
        '--json',
      );
      expect(s.code, s.err).toBe(0);
      masks.push(Uint8Array.from(readPng(new Uint8Array(fs.readFileSync(out))).samples));
    }
    expect(masks[1]).toEqual(masks[0]);
    expect(new Set(masks[0]).size).toBe(2); // some pixels selected, some not
  });

  it('says in one line, exit 2, that onnxruntime-node is missing', async () => {
    runtime.missing = true;
    try {
      const r = await run('infer', imageFile, '--weights', weights.semantic, '--save-dir', path.join(dir, 'x'), '--backend', 'onnx');
      expect(r.code).toBe(2);
      const lines = r.err.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^objsel: ONNX inference needs the optional peer onnxruntime-node: npm install onnxruntime-node/);
    } finally {
      runtime.missing = false;
    }
  });

  it('refuses --backend onnx for commands that need TF.js', async () => {
    const r = await run('train', '--backend', 'onnx', '--data-dir', dir, '--data-list', path.join(dir, 'none.txt'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--backend onnx runs infer, evaluate, select and noc/);
  });
});
