import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CaffeImportError,
  DEFAULT_SHARD_BYTES,
  decodeWeights,
  encodeWeights,
  type ObjselNetworkMeta,
  type WeightEntry,
} from '@objsel/caffe-import';
import { writeWeightsDirWith, type WritableFiles } from '@objsel/caffe-import';
import { nodeFileSystem, readWeightsDir, writeWeightsDir } from '../src/node';

const META: ObjselNetworkMeta = {
  version: 1,
  architecture: 'deeplab-v2-resnet',
  inputChannels: 3,
  numClasses: 21,
  blocks: [3, 4, 23, 3],
  widthMultiplier: 1,
  bnEpsilon: 1e-5,
  layers: [
    {
      name: 'conv1',
      type: 'Convolution',
      kernel: [7, 7],
      stride: [2, 2],
      dilation: [1, 1],
      pad: [3, 3],
      inChannels: 3,
      outChannels: 64,
      bias: false,
    },
  ],
};

/** Deterministic values that exercise the float32 bit patterns (negative, tiny, large). */
function entry(name: string, shape: number[], seed: number): WeightEntry {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = (s / 2 ** 32 - 0.5) * 2 ** ((s % 40) - 20);
  }
  return { name, shape, data };
}

/** Reads float32 little-endian from concatenated shards independently of the decoder. */
function floatsAt(shards: Uint8Array[], byteOffset: number, count: number): number[] {
  const all = Buffer.concat(shards.map((s) => Buffer.from(s.buffer, s.byteOffset, s.byteLength)));
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push(all.readFloatLE(byteOffset + 4 * i));
  return out;
}

describe('encodeWeights', () => {
  it('writes TF.js shard names, splits at shardBytes and lays weights out little-endian in manifest order', () => {
    const entries = [entry('a/weights', [3, 3, 2, 5], 1), entry('a/biases', [5], 2), entry('bn/gamma', [7], 3)];
    const total = (90 + 5 + 7) * 4; // 408 bytes
    const { modelJson, shards } = encodeWeights(entries, META, { shardBytes: 100 });
    expect(shards.map((s) => s.path)).toEqual([
      'group1-shard1of5.bin',
      'group1-shard2of5.bin',
      'group1-shard3of5.bin',
      'group1-shard4of5.bin',
      'group1-shard5of5.bin',
    ]);
    expect(shards.map((s) => s.data.byteLength)).toEqual([100, 100, 100, 100, 8]);
    expect(shards.reduce((n, s) => n + s.data.byteLength, 0)).toBe(total);
    expect(modelJson.weightsManifest).toEqual([
      {
        paths: shards.map((s) => s.path),
        weights: [
          { name: 'a/weights', shape: [3, 3, 2, 5], dtype: 'float32' },
          { name: 'a/biases', shape: [5], dtype: 'float32' },
          { name: 'bn/gamma', shape: [7], dtype: 'float32' },
        ],
      },
    ]);
    expect(modelJson.format).toBe('objsel-weights');
    expect(modelJson.modelTopology).toBeNull();
    expect(modelJson.objsel).toBe(META);
    const bytes = shards.map((s) => s.data);
    expect(floatsAt(bytes, 0, 90)).toEqual(Array.from(entries[0]!.data));
    expect(floatsAt(bytes, 360, 5)).toEqual(Array.from(entries[1]!.data));
    expect(floatsAt(bytes, 380, 7)).toEqual(Array.from(entries[2]!.data));
  });

  it('defaults to 4 MiB shards', () => {
    expect(DEFAULT_SHARD_BYTES).toBe(4194304);
    const big = entry('big', [1024 * 1024 + 3], 9); // 4 MiB + 12 bytes
    const { shards } = encodeWeights([big], META);
    expect(shards.map((s) => [s.path, s.data.byteLength])).toEqual([
      ['group1-shard1of2.bin', 4194304],
      ['group1-shard2of2.bin', 12],
    ]);
  });

  it('rejects duplicate names, shape/data disagreement and bad shard sizes', () => {
    const a = entry('a', [2, 2], 1);
    expect(() => encodeWeights([a, a], META)).toThrow(/duplicate weight name/);
    expect(() => encodeWeights([{ name: 'x', shape: [3], data: new Float32Array(4) }], META)).toThrow(CaffeImportError);
    expect(() => encodeWeights([{ name: 'x', shape: [-1], data: new Float32Array(0) }], META)).toThrow(/non-negative integers/);
    expect(() => encodeWeights([a], META, { shardBytes: 0 })).toThrow(/shardBytes/);
  });
});

describe('decodeWeights', () => {
  it('round-trips any entries at any shard size, exactly', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 0, maxLength: 4 }), { maxLength: 6 }),
        fc.integer({ min: 1, max: 64 }),
        fc.integer(),
        (shapes, shardBytes, seed) => {
          const entries = shapes.map((shape, i) => entry(`w${i}`, shape, seed + i));
          const { modelJson, shards } = encodeWeights(entries, META, { shardBytes });
          const decoded = decodeWeights(
            JSON.parse(JSON.stringify(modelJson)),
            shards.map((s) => s.data.slice()),
          );
          expect(decoded.map((e) => [e.name, e.shape])).toEqual(entries.map((e) => [e.name, e.shape]));
          decoded.forEach((e, i) => {
            expect(Array.from(e.data)).toEqual(Array.from(entries[i]!.data));
          });
        },
      ),
    );
  });

  it('viewShards decodes the same values, viewing the shards wherever a tensor lies within one (any shard size and alignment)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 0, maxLength: 4 }), { maxLength: 6 }),
        fc.integer({ min: 1, max: 64 }),
        fc.integer({ min: 0, max: 3 }),
        fc.integer(),
        (shapes, shardBytes, misalign, seed) => {
          const entries = shapes.map((shape, i) => entry(`w${i}`, shape, seed + i));
          const { modelJson, shards } = encodeWeights(entries, META, { shardBytes });
          // Each shard at `misalign` bytes into its own buffer, as a pooled read may hand it over.
          const owned = shards.map((s) => {
            const buffer = new Uint8Array(s.data.byteLength + misalign);
            buffer.set(s.data, misalign);
            return buffer.subarray(misalign);
          });
          const viewed = decodeWeights(modelJson, owned, { viewShards: true });
          const joined = decodeWeights(modelJson, owned);
          expect(viewed.map((e) => [e.name, e.shape])).toEqual(entries.map((e) => [e.name, e.shape]));
          viewed.forEach((e, i) => {
            expect(Array.from(e.data)).toEqual(Array.from(entries[i]!.data));
            expect(owned.some((s) => s.buffer === joined[i]!.data.buffer)).toBe(false);
          });
          // Where the first tensor lies within the first shard at an aligned offset, it is a view.
          const first = viewed[0];
          if (first && first.data.byteLength > 0 && first.data.byteLength <= owned[0]!.byteLength && misalign === 0) {
            expect(first.data.buffer).toBe(owned[0]!.buffer);
          }
        },
      ),
    );
  });

  it('rejects a missing shard, extra bytes, a wrong dtype and a non-objsel file, with typed errors', () => {
    const { modelJson, shards } = encodeWeights([entry('a', [10], 1), entry('b', [20], 2)], META, { shardBytes: 64 });
    const bytes = shards.map((s) => s.data);
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (error) {
        expect(error).toBeInstanceOf(CaffeImportError);
        return (error as CaffeImportError).message;
      }
      throw new Error('did not throw');
    };
    expect(code(() => decodeWeights(modelJson, bytes.slice(0, -1)))).toMatch(/lists 2 shard file\(s\), 1 given/);
    expect(code(() => decodeWeights(modelJson, [bytes[0]!, new Uint8Array(bytes[1]!.byteLength + 4)]))).toMatch(
      /hold 124 bytes, the weights' shapes need 120/,
    );
    const wrongDtype = structuredClone(modelJson) as unknown as { weightsManifest: Array<{ weights: Array<{ dtype: string }> }> };
    wrongDtype.weightsManifest[0]!.weights[0]!.dtype = 'int32';
    expect(code(() => decodeWeights(wrongDtype as never, bytes))).toMatch(/a: dtype "int32" is not supported/);
    expect(code(() => decodeWeights({ ...modelJson, format: 'layers-model' } as never, bytes))).toMatch(/expected "objsel-weights"/);
    expect(code(() => decodeWeights(null as never, bytes))).toMatch(/not a JSON object/);
  });

  it('is read by TensorFlow.js weightsLoaderFactory (shards split mid-weight)', async () => {
    const tf = await import('@tensorflow/tfjs');
    await tf.setBackend('cpu');
    const entries = [entry('conv/weights', [3, 3, 4, 8], 5), entry('conv/biases', [8], 6)];
    const { modelJson, shards } = encodeWeights(entries, META, { shardBytes: 1000 });
    expect(shards.length).toBe(2); // 1184 bytes: conv/weights spans both shards
    const byPath = new Map(shards.map((s) => [s.path, s.data]));
    const load = tf.io.weightsLoaderFactory(async (urls) =>
      urls.map((u) => {
        const d = byPath.get(u.replace(/^prefix\//, ''))!;
        return d.slice().buffer;
      }),
    );
    const tensors = await load(modelJson.weightsManifest, 'prefix');
    for (const e of entries) {
      expect(tensors[e.name]!.shape).toEqual(e.shape);
      expect(Array.from(await tensors[e.name]!.data())).toEqual(Array.from(e.data));
    }
    tf.dispose(tensors);
  });
});

describe('writeWeightsDir / readWeightsDir', () => {
  const dirs: string[] = [];
  const tmp = () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'objsel-weights-'));
    dirs.push(d);
    return d;
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });

  it('writes model.json + shards, reads them back exactly, and replaces an existing directory whole', async () => {
    const root = tmp();
    const out = path.join(root, 'nested', 'model');
    const entries = [entry('a/weights', [4, 4, 3, 2], 1), entry('a/biases', [2], 2)];
    await writeWeightsDir(out, entries, META, { shardBytes: 128 });
    expect(fs.readdirSync(out).sort()).toEqual([
      'group1-shard1of4.bin',
      'group1-shard2of4.bin',
      'group1-shard3of4.bin',
      'group1-shard4of4.bin',
      'model.json',
    ]);
    const { modelJson, entries: back } = await readWeightsDir(out);
    expect(modelJson.objsel).toEqual(META);
    expect(back.map((e) => Array.from(e.data))).toEqual(entries.map((e) => Array.from(e.data)));

    fs.writeFileSync(path.join(out, 'stale.txt'), 'from an older run');
    await writeWeightsDir(out, [entry('only', [3], 7)], META);
    expect(fs.readdirSync(out).sort()).toEqual(['group1-shard1of1.bin', 'model.json']);
    expect(fs.readdirSync(path.dirname(out))).toEqual(['model']); // no temp or old siblings left
    const again = await readWeightsDir(out);
    expect(again.entries.map((e) => e.name)).toEqual(['only']);
  });

  it('leaves the previous directory intact when encoding fails', async () => {
    const out = path.join(tmp(), 'model');
    await writeWeightsDir(out, [entry('a', [2], 1)], META);
    await expect(writeWeightsDir(out, [{ name: 'bad', shape: [5], data: new Float32Array(2) }], META)).rejects.toThrow(CaffeImportError);
    expect((await readWeightsDir(out)).entries[0]!.name).toBe('a');
    expect(fs.readdirSync(path.dirname(out))).toEqual(['model']);
  });

  it('a failure in the middle of writing leaves the previous directory whole and no temp dir', async () => {
    const out = path.join(tmp(), 'model');
    await writeWeightsDir(out, [entry('old', [100], 1)], META);
    let writes = 0;
    const failing: WritableFiles = {
      ...nodeFileSystem,
      async writeFile(file, data) {
        if (++writes === 3) throw new Error('disk full (simulated)');
        await nodeFileSystem.writeFile(file, data);
      },
    };
    const progress: number[] = [];
    await expect(
      writeWeightsDirWith(failing, out, [entry('new', [5000], 2)], META, { shardBytes: 4000, onProgress: (e) => progress.push(e.done) }),
    ).rejects.toThrow('disk full');
    expect(progress).toEqual([1, 2]);
    expect(fs.readdirSync(path.dirname(out))).toEqual(['model']);
    const kept = await readWeightsDir(out);
    expect(kept.entries.map((e) => e.name)).toEqual(['old']);
    expect(Array.from(kept.entries[0]!.data)).toEqual(Array.from(entry('old', [100], 1).data));
  });

  it('names the file for a missing shard, bad JSON and a shard path leaving the directory', async () => {
    const out = path.join(tmp(), 'model');
    await writeWeightsDir(out, [entry('a', [2000], 1)], META, { shardBytes: 4000 });
    fs.rmSync(path.join(out, 'group1-shard2of2.bin'));
    await expect(readWeightsDir(out)).rejects.toThrow(/group1-shard2of2\.bin: shard listed in model\.json is missing/);

    const json = JSON.parse(fs.readFileSync(path.join(out, 'model.json'), 'utf8'));
    json.weightsManifest[0].paths[1] = '../../etc/passwd';
    fs.writeFileSync(path.join(out, 'model.json'), JSON.stringify(json));
    await expect(readWeightsDir(out)).rejects.toThrow(/leaves the weights directory/);

    fs.writeFileSync(path.join(out, 'model.json'), '{"format": ');
    await expect(readWeightsDir(out)).rejects.toThrow(/model\.json: not valid JSON/);
    await expect(readWeightsDir(path.join(out, 'nope'))).rejects.toMatchObject({ name: 'CaffeImportError', code: 'io' });
  });
});
