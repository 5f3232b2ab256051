import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeepLabResNet, cachedOnnxModel, exportOnnx, loadBackend, readOnnxInfo, resnetConfig, weightsDigest } from '../src/index';
import { nodeFileSystem, writeWeightsDir } from '@objsel/caffe-import/node';

describe('cachedOnnxModel', () => {
  let dir: string;
  let model: DeepLabResNet;

  beforeAll(async () => {
    await loadBackend('wasm');
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'objsel-onnx-cache-'));
    model = DeepLabResNet.create(resnetConfig(50, { blocks: [1, 1, 1, 1], widthMultiplier: 0.0625, numClasses: 3 }), { seed: 2 });
    await writeWeightsDir(dir, await model.toWeightEntries(), model.meta());
  });
  afterAll(async () => {
    model?.dispose();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  it('exports once, then serves the file beside the weights, keyed by their SHA-256', async () => {
    let exports = 0;
    const exportModel = (source: string) => {
      exports += 1;
      return exportOnnx(model, { withUpsampled: true, sourceWeights: source });
    };
    const digest = await weightsDigest(nodeFileSystem, dir);
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    const first = await cachedOnnxModel(nodeFileSystem, dir, { exportModel, variant: 'upsampled' });
    expect(first.hit).toBe(false);
    expect(first.digest).toBe(digest);
    expect(path.dirname(first.path!)).toBe(dir);
    expect(path.basename(first.path!)).toMatch(new RegExp(`^model\\.${digest.slice(7, 23)}\\.upsampled\\.objsel-.+\\.onnx$`));
    const second = await cachedOnnxModel(nodeFileSystem, dir, { exportModel, variant: 'upsampled' });
    expect(second.hit).toBe(true);
    expect(new Uint8Array(second.bytes)).toEqual(first.bytes);
    expect(readOnnxInfo(second.bytes).sourceWeights).toBe(digest);
    expect(exports).toBe(1);
    // Another variant is another file; a corrupt cache file is replaced.
    expect((await cachedOnnxModel(nodeFileSystem, dir, { exportModel, variant: 'logits' })).hit).toBe(false);
    await fs.writeFile(first.path!, new Uint8Array([1, 2, 3]));
    const repaired = await cachedOnnxModel(nodeFileSystem, dir, { exportModel, variant: 'upsampled' });
    expect(repaired.hit).toBe(false);
    expect(exports).toBe(3);
    expect((await cachedOnnxModel(nodeFileSystem, dir, { exportModel, variant: 'upsampled' })).hit).toBe(true);
  });

  it('changed weights give a new digest; the stale file of that variant is removed', async () => {
    const before = await weightsDigest(nodeFileSystem, dir);
    const other = DeepLabResNet.create(model.config, { seed: 3 });
    // New weights over the old ones in place (the cache files beside them stay).
    await writeWeightsDir(`${dir}-other`, await other.toWeightEntries(), other.meta());
    await fs.cp(`${dir}-other`, dir, { recursive: true });
    await fs.rm(`${dir}-other`, { recursive: true });
    const after = await weightsDigest(nodeFileSystem, dir);
    expect(after).not.toBe(before);
    const result = await cachedOnnxModel(nodeFileSystem, dir, {
      exportModel: (s) => exportOnnx(other, { withUpsampled: true, sourceWeights: s }),
      variant: 'upsampled',
    });
    expect(result.hit).toBe(false);
    const files = (await fs.readdir(dir)).filter((f) => f.endsWith('.onnx'));
    expect(files.filter((f) => f.includes('.upsampled.'))).toEqual([path.basename(result.path!)]);
    expect(files.filter((f) => f.includes('.logits.'))).toHaveLength(1);
    other.dispose();
  });

  it('still returns the model when the directory cannot be written', async () => {
    const readOnly = { ...nodeFileSystem, writeFile: async () => Promise.reject(Object.assign(new Error('EROFS'), { code: 'EROFS' })) };
    const result = await cachedOnnxModel(readOnly, dir, { exportModel: (s) => exportOnnx(model, { sourceWeights: s }), variant: 'ro' });
    expect(result.path).toBeUndefined();
    expect(result.hit).toBe(false);
    expect(readOnnxInfo(result.bytes).classes).toBe(3);
  });

  it('names a missing weights directory', async () => {
    await expect(weightsDigest(nodeFileSystem, path.join(dir, 'nope'))).rejects.toMatchObject({
      code: 'bad-weights',
      message: expect.stringContaining('model.json'),
    });
  });
});
