import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { nodeFileSystem, writeWeightsDir } from '@objsel/caffe-import/node';
import { encodePng, encodeIndexPng } from '@objsel/voc-data';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeepLabResNet, evaluate, loadBackend, resnetConfig, semanticOnnxExporter } from '../src/index';
import { WEIGHTS_DIGEST_FILE, openOnnxSegmenter, weightsDigest, type OnnxCacheFiles } from '../src/onnx/index';

/** Node's files with stat and head reads, counting whole reads of shards and models. */
function countingFiles(): OnnxCacheFiles & { bigReads: string[] } {
  const bigReads: string[] = [];
  return {
    ...nodeFileSystem,
    bigReads,
    async readFile(file) {
      const bytes = await nodeFileSystem.readFile(file);
      if (/\.(bin|onnx)$/.test(file)) bigReads.push(path.basename(file));
      return bytes;
    },
    async stat(file) {
      const { size, mtimeMs } = await fs.stat(file);
      return { size, mtimeMs };
    },
    async readHead(file, length) {
      const handle = await fs.open(file);
      try {
        const head = new Uint8Array(length);
        const { bytesRead } = await handle.read(head, 0, length, 0);
        return head.subarray(0, bytesRead);
      } finally {
        await handle.close();
      }
    },
  };
}

describe('openOnnxSegmenter', () => {
  let dir: string;
  let model: DeepLabResNet;

  beforeAll(async () => {
    await loadBackend('wasm');
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'objsel-onnx-open-'));
    model = DeepLabResNet.create(resnetConfig(50, { blocks: [1, 1, 1, 1], widthMultiplier: 0.0625, numClasses: 3 }), { seed: 4 });
    await writeWeightsDir(dir, await model.toWeightEntries(), model.meta());
  });
  afterAll(async () => {
    model?.dispose();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  it('remembers the weights digest by size and mtime, and hashes again when a shard changes', async () => {
    const files = countingFiles();
    const first = await weightsDigest(files, dir);
    expect(JSON.parse(await fs.readFile(path.join(dir, WEIGHTS_DIGEST_FILE), 'utf8')).digest).toBe(first);
    files.bigReads.length = 0;
    expect(await weightsDigest(files, dir)).toBe(first);
    expect(files.bigReads).toEqual([]); // no shard read: the sidecar answered
    // A shard rewritten with other content (a new mtime): hashed again, a new digest.
    const shard = (await fs.readdir(dir)).find((f) => f.endsWith('.bin'))!;
    const bytes = await fs.readFile(path.join(dir, shard));
    bytes[0] = (bytes[0]! + 1) % 256;
    await fs.writeFile(path.join(dir, shard), bytes);
    await fs.utimes(path.join(dir, shard), new Date(), new Date(Date.now() + 5000));
    const changed = await weightsDigest(files, dir);
    expect(changed).not.toBe(first);
    expect(changed).toBe(await weightsDigest(nodeFileSystem, dir)); // the plain hash agrees
    bytes[0] = (bytes[0]! + 255) % 256;
    await fs.writeFile(path.join(dir, shard), bytes);
    expect(await weightsDigest(files, dir)).toBe(first);
  });

  it('exports once, keeps the optimised graph, and a warm open reads neither weights nor the whole model', async () => {
    const files = countingFiles();
    let exports = 0;
    const options = {
      variant: 'semantic',
      runtime: ort,
      optimizedCacheKey: 'test-cpu',
      exporter: async () => {
        exports += 1;
        return semanticOnnxExporter();
      },
    };
    const cold = await openOnnxSegmenter(files, dir, options);
    expect(cold).toMatchObject({ cacheHit: false, optimizedGraph: 'saved' });
    const listing = await fs.readdir(dir);
    expect(listing.some((f) => /\.ort-test-cpu\.onnx$/.test(f))).toBe(true);
    expect(listing.filter((f) => f.includes('.tmp-'))).toEqual([]);
    files.bigReads.length = 0;
    const warm = await openOnnxSegmenter(files, dir, options);
    expect(warm).toMatchObject({ cacheHit: true, optimizedGraph: 'loaded', digest: cold.digest });
    expect(files.bigReads).toEqual([]);
    expect(exports).toBe(1);

    // Both sessions label an image as evaluate does through the TF.js network.
    const [w, h] = [23, 19];
    const data = Uint8Array.from({ length: w * h * 3 }, (_, i) => (i * 2654435761) >>> 24);
    const label = Uint8Array.from({ length: w * h }, (_, i) => i % 3);
    await fs.writeFile(path.join(dir, 'x.png'), encodePng({ width: w, height: h, channels: 3, data }));
    await fs.writeFile(path.join(dir, 'x_label.png'), encodeIndexPng(label, w, h));
    const entries = [{ id: 'x', kind: 'pair' as const, image: path.join(dir, 'x.png'), label: path.join(dir, 'x_label.png'), line: 1 }];
    const read = (p: string) => nodeFileSystem.readFile(p);
    const reference = await evaluate({ network: model, entries, read });
    for (const opened of [cold, warm]) {
      const result = await evaluate({ segmenter: opened.segmenter, entries, read });
      expect(result.confusionMatrix).toEqual(reference.confusionMatrix);
      await opened.segmenter.dispose();
    }
  });
});
