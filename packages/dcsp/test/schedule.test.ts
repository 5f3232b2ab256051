import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { nodeFileSystem } from '@objsel/caffe-import/node';
import { loadBackend, loadCheckpoint, resnetConfig } from '@objsel/deeplab-resnet';
import { renderSyntheticSample } from '@objsel/voc-data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DcspNetwork, adaptCues, arrayDataSource, attentionCues, labelsFromCues, loadDcspNetwork, type DcspSample } from '../src/index';
import { FileCueStore, MemoryCueStore, attentionMap, logitsMap, trainDcsp, type DcspStage } from '../src/train/index';

beforeAll(async () => {
  await loadBackend('wasm');
});

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'objsel-dcsp-schedule-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const nodeFs = nodeFileSystem;

/** Synthetic samples (voc-data's maker) with 2 object classes: image, tags and saliency. */
function samples(count: number): DcspSample[] {
  return Array.from({ length: count }, (_, i) => {
    const s = renderSyntheticSample(i, { count, seed: 3, width: 36, height: 28, classes: 2, minSize: 10, maxSize: 20 });
    return { name: s.id, image: s.image, tags: [...new Set(s.objects.map((o) => o.classId))], saliency: s.saliency, label: s.classLabel };
  });
}

const tiny = () => resnetConfig(50, { widthMultiplier: 1 / 16, blocks: [1, 1, 1, 1], numClasses: 3, asppRates: [1, 2] });

describe('trainDcsp', () => {
  it('runs the stages in DCSP order, stores cues that follow the rules, and checkpoints with global steps', async () => {
    const data = samples(4);
    const net = DcspNetwork.create(tiny(), { seed: 2 });
    const store = new MemoryCueStore();
    const seen: DcspStage[] = [];
    const snapshots: Record<string, unknown> = {};
    const before = tf.memory().numTensors;
    const result = await trainDcsp({
      network: net,
      classfcData: arrayDataSource(data),
      segmentData: arrayDataSource(data),
      cueStore: store,
      classfcSteps: 2,
      adaptAfter: 2,
      batchSize: 2,
      inputSize: [24, 24],
      attentionTrainable: 'all',
      trainBatchNorm: true,
      saveEvery: 1,
      checkpoints: { fs: nodeFs, attnSnapshotDir: path.join(dir, 'attn'), snapshotDir: path.join(dir, 'seg') },
      onStage: async (stage, s) => {
        seen.push(stage);
        if (stage === 'initial-cues') {
          // The stored initial cues are exactly the cue rule applied to the network's attention.
          const inference = net.inference();
          for (const sample of data) {
            const raw = await attentionMap(inference, sample.image);
            const cues = attentionCues({ attention: raw, tags: sample.tags, width: 36, height: 28, channels: 2 });
            expect(store.stageOf(sample.name)).toBe('initial');
            expect([...(await s.get(sample.name))!.labels]).toEqual([...labelsFromCues(cues, sample.saliency!)]);
            expect(store.attentionOf(sample.name)!.classes).toEqual([...new Set(sample.tags)].sort());
          }
          inference.dispose();
          snapshots.initial = true;
        }
        if (stage === 'adapt') {
          const inference = net.inference();
          for (const sample of data) {
            const logits = await logitsMap(inference, sample.image);
            expect([...(await s.get(sample.name))!.labels]).toEqual([
              ...adaptCues({ logits, tags: sample.tags, width: 36, height: 28, numClasses: 3 }),
            ]);
            expect(store.stageOf(sample.name)).toBe('adapted');
          }
          inference.dispose();
          snapshots.adapted = true;
        }
      },
    });
    expect(seen).toEqual(['attention', 'initial-cues', 'segmentation', 'adapt', 'segmentation-adapted']);
    expect(snapshots).toEqual({ initial: true, adapted: true });
    expect(result.stages.map((s) => s.steps)).toEqual([2, 2, 2]);
    expect(tf.memory().numTensors).toBe(before);
    // Attention: ckpt-1 (every 1) and ckpt-2; segmentation: 1, 2, then 3, 4 after the adaptation.
    const names = (d: string) =>
      fs
        .readdirSync(path.join(dir, d))
        .filter((n) => n.startsWith('ckpt-'))
        .sort();
    expect(names('attn')).toEqual(['ckpt-1', 'ckpt-2']);
    expect(names('seg')).toEqual(['ckpt-1', 'ckpt-2', 'ckpt-3', 'ckpt-4']);
    const state = JSON.parse(fs.readFileSync(path.join(dir, 'seg', 'ckpt-3', 'trainer.json'), 'utf8'));
    expect(state.step).toBe(3);
    // Where the stage stands, and the segmentation batcher (3 batches of 2 over 4 images: epoch 1, place 2) with its generator.
    expect(state.data).toEqual({
      stage: 'segmentation-adapted',
      stageStep: 1,
      samples: 6,
      inEpoch: 2,
      rng: expect.any(Array),
      epochRng: expect.any(Array),
    });
    expect([...state.data.rng, ...state.data.epochRng].every(Number.isSafeInteger)).toBe(true);
    // The latest segmentation checkpoint restores this network exactly, attention head included.
    const { network: restored, weightsDir } = await loadDcspNetwork(nodeFs, path.join(dir, 'seg'));
    expect(weightsDir).toContain('ckpt-4');
    const x = tf.randomNormal([1, 28, 36, 3], 0, 40, 'float32', 1) as tf.Tensor4D;
    const a = net.forward(x);
    const b = restored.forward(x);
    expect([...(await b.attention.data())]).toEqual([...(await a.attention.data())]);
    tf.dispose([x, a.logits, a.attention, b.logits, b.attention]);
    restored.dispose();
    net.dispose();
  });

  it("a run interrupted in any stage (or between) resumes from that stage's latest checkpoint and ends as a straight run", async () => {
    const data = samples(4);
    const before = tf.memory().numTensors;
    const base = (root: string) => ({
      classfcData: arrayDataSource(data),
      segmentData: arrayDataSource(data),
      classfcSteps: 2,
      adaptAfter: 2,
      batchSize: 2,
      inputSize: [24, 24] as const,
      attentionTrainable: 'all' as const,
      trainBatchNorm: true,
      randomSeed: 5,
      saveEvery: 1,
      checkpoints: { fs: nodeFs, attnSnapshotDir: path.join(root, 'attn'), snapshotDir: path.join(root, 'seg'), keep: 3 },
    });
    const straightNet = DcspNetwork.create(tiny(), { seed: 2 });
    await trainDcsp({ network: straightNet, ...base(path.join(dir, 'straight')) });
    straightNet.dispose();

    // Killed after update 2 of the attention stage, after the initial cue pass, after update 2 of
    // segmentation, during the adaptation's cue pass, after update 2 of the adapted segmentation;
    // resumed each time.
    const cut = path.join(dir, 'cut');
    const stops: Array<{ task?: string; stage?: DcspStage }> = [
      { task: 'dcsp attention' },
      { stage: 'initial-cues' },
      { task: 'dcsp segmentation' },
      { stage: 'adapt' },
      { task: 'dcsp segmentation-adapted' },
    ];
    const info: string[] = [];
    for (const [i, stop] of [...stops, undefined].entries()) {
      const net = DcspNetwork.create(tiny(), { seed: 2 });
      const run = trainDcsp({
        network: net,
        ...base(cut),
        resume: i > 0,
        onInfo: (m) => info.push(m),
        onProgress: (e) => {
          if (stop?.task === e.task && e.done === 2) throw new Error('killed');
        },
        onStage: (stage) => {
          if (stop?.stage === stage) throw new Error('killed');
        },
      });
      if (stop) await expect(run).rejects.toThrow('killed');
      else await run;
      net.dispose();
    }
    expect(info.join('\n')).toMatch(/resuming from .*attn.ckpt-1 \(step 1\)/);
    expect(info.join('\n')).toMatch(/resuming from .*attn.ckpt-2 \(step 2\)/);
    expect(info.join('\n')).toMatch(/segmentation round 0 with the network of .*attn.ckpt-2/);
    expect(info.join('\n')).toMatch(/segmentation round 1 with the network of .*seg.ckpt-2/);
    expect(info.join('\n')).toMatch(/resuming from .*seg.ckpt-3 \(step 3\)/);
    expect(tf.memory().numTensors).toBe(before);

    for (const ckpt of ['attn/ckpt-2', 'seg/ckpt-4']) {
      const a = await loadCheckpoint(nodeFs, path.join(dir, 'straight', ckpt));
      const b = await loadCheckpoint(nodeFs, path.join(cut, ckpt));
      expect(b.network.entries.map((e) => e.name)).toEqual(a.network.entries.map((e) => e.name));
      a.network.entries.forEach((e, k) => {
        expect(b.network.entries[k]!.data, `${ckpt} ${e.name}`).toEqual(e.data);
      });
      a.optimizer.forEach((e, k) => {
        expect(b.optimizer[k]!.data, `${ckpt} ${e.name}`).toEqual(e.data);
      });
      expect(b.state.data).toEqual(a.state.data);
    }
    // keep 3 is honoured across the resumes; metrics.jsonl holds every global step once, with the straight run's losses.
    const names = (d: string) =>
      fs
        .readdirSync(d)
        .filter((n) => n.startsWith('ckpt-'))
        .sort();
    expect(names(path.join(cut, 'seg'))).toEqual(['ckpt-2', 'ckpt-3', 'ckpt-4']);
    const lines = (d: string) =>
      fs
        .readFileSync(path.join(d, 'seg', 'metrics.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { step: number; loss: number });
    expect(lines(cut).map((l) => l.step)).toEqual([1, 2, 3, 4]);
    expect(lines(cut).map((l) => l.loss)).toEqual(lines(path.join(dir, 'straight')).map((l) => l.loss));
  });

  it('FileCueStore writes DCSP actv arrays and palette PNGs and reads back the latest stage', async () => {
    const store = new FileCueStore(nodeFs, path.join(dir, 'cues'));
    const cues = { width: 3, height: 2, labels: Uint8Array.from([0, 1, 2, 2, 1, 0]) };
    const actv = { actv: Float32Array.from([1, 0.5, 0.25, 1, 0.5, 0.2, 0.1, 1, 0.3, 0.3, 0.9, 0.1]), classes: [1, 2], width: 3, height: 2 };
    await store.put('img', 'initial', cues, actv);
    expect([...(await store.get('img'))!.labels]).toEqual([0, 1, 2, 2, 1, 0]);
    await store.put('img', 'adapted', { ...cues, labels: Uint8Array.from([1, 1, 1, 0, 0, 0]) });
    expect([...(await store.get('img'))!.labels]).toEqual([1, 1, 1, 0, 0, 0]);
    const { readNpz } = await import('@objsel/voc-data');
    const npz = readNpz(new Uint8Array(fs.readFileSync(path.join(dir, 'cues', 'initial', 'img.npz')))).get('actv')!;
    expect(npz.shape).toEqual([2, 3, 2]);
    expect([...(npz.data as Float32Array)]).toEqual([...actv.actv]);
    expect(await store.get('missing')).toBeUndefined();
  });
});
