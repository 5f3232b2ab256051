// The training loop with a tiny fake trainer and feed: resume equals a straight run, the NaN
// guards keep the last good checkpoint, keep and the other saved settings survive a resume.
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { ObjselNetworkMeta, WeightEntry } from '@objsel/caffe-import';
import { nodeFileSystem } from '@objsel/caffe-import/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeeplabError, loadBackend, loadCheckpoint } from '../src/index';
import { findLatestCheckpoint } from '../src/checkpoint/checkpoint';
import {
  runTrainingLoop,
  type LoopFeed,
  type LoopSettings,
  type LoopStepResult,
  type LoopTrainer,
  type TrainerState,
  type TrainingLoopOptions,
} from '../src/train/loop';

const fs = nodeFileSystem;
let root: string;

beforeAll(async () => {
  await loadBackend('wasm');
  root = await fsp.mkdtemp(path.join(os.tmpdir(), 'objsel-loop-'));
});

afterAll(async () => {
  await fsp.rm(root, { recursive: true, force: true });
});

const META: ObjselNetworkMeta = {
  version: 1,
  architecture: 'deeplab-v2-resnet',
  inputChannels: 1,
  numClasses: 1,
  blocks: [],
  widthMultiplier: 1,
  bnEpsilon: 1e-5,
  layers: [],
};

/** One float32 variable `w` of 3 values. */
class FakeNetwork {
  readonly w: tf.Variable;
  constructor() {
    const init = tf.zeros([3]);
    this.w = tf.variable(init);
    init.dispose();
  }
  async toWeightEntries(): Promise<WeightEntry[]> {
    return [{ name: 'w', shape: [3], data: new Float32Array((await this.w.data()) as Float32Array) }];
  }
  meta(): ObjselNetworkMeta {
    return META;
  }
  load(entries: readonly WeightEntry[]): void {
    tf.tidy(() => this.w.assign(tf.tensor1d(entries.find((e) => e.name === 'w')!.data)));
  }
  dispose(): void {
    this.w.dispose();
  }
}

interface FakeResult extends LoopStepResult {
  target: number;
  pictured: boolean;
}

/** Momentum descent of `(w - mean(batch))^2`; a non-finite batch mean is a non-finite loss. */
class FakeTrainer implements LoopTrainer<number[], FakeResult> {
  step = 0;
  disposed = false;
  private velocity = new Float32Array(3);
  constructor(
    private readonly net: FakeNetwork,
    private readonly lr: number,
  ) {}

  async trainStep(batch: number[], options: { predictions: number }): Promise<FakeResult> {
    const target = batch.reduce((a, v) => a + v, 0) / batch.length;
    const w = (await this.net.w.data()) as Float32Array;
    const loss = w.reduce((a, v) => a + (v - target) ** 2, 0);
    if (!Number.isFinite(loss))
      throw new DeeplabError('non-finite-loss', `loss is ${loss} at step ${this.step}; no update applied`, { where: `step ${this.step}` });
    const v = Float32Array.from(this.velocity, (m, i) => 0.9 * m + 2 * (w[i]! - target));
    this.velocity = v;
    tf.tidy(() => this.net.w.assign(tf.sub(this.net.w, tf.mul(tf.tensor1d(v), this.lr))));
    this.step += 1;
    return { step: this.step, loss, l2: 0, learningRate: this.lr, images: batch.length, target, pictured: options.predictions > 0 };
  }

  async state(): Promise<TrainerState> {
    return { entries: [{ name: 'momentum/w', shape: [3], data: this.velocity.slice() }], scalars: { step: this.step } };
  }

  loadState(state: TrainerState): void {
    this.velocity = Float32Array.from(state.entries[0]!.data);
    this.step = state.scalars.step!;
  }

  dispose(): void {
    this.disposed = true;
  }
}

/** Sample `i` is a function of (seed, i); `poison` maps positions to values (NaN, huge). */
class FakeFeed implements LoopFeed<number[]> {
  constructor(
    private readonly seed: number,
    public position: number,
    private readonly poison: Record<number, number> = {},
  ) {}
  async next(): Promise<number[]> {
    const batch = [0, 1].map((k) => this.poison[this.position + k] ?? Math.sin(this.seed * 1000 + this.position + k) * 4);
    this.position += 2;
    return batch;
  }
}

interface FakeSettings extends LoopSettings {
  kind: 'fake';
  trainer: { numSteps: number; lr: number };
  seed: number;
}

const SETTINGS: FakeSettings = { kind: 'fake', trainer: { numSteps: 7, lr: 0.1 }, seed: 3, savePredEvery: 3, saveNumImages: 1, keep: 2 };

interface Harness {
  net: FakeNetwork;
  trainers: FakeTrainer[];
  started: Array<{ settings: FakeSettings; samples: number; resumed: boolean }>;
}

function options(
  dir: string | undefined,
  h: Harness,
  extra: Partial<TrainingLoopOptions<number[], FakeResult, FakeSettings>> = {},
  poison: Record<number, number> = {},
): TrainingLoopOptions<number[], FakeResult, FakeSettings> {
  return {
    ...(dir ? { output: { fs, snapshotDir: dir } } : {}),
    settings: SETTINGS,
    start: ({ settings, checkpoint, samples }) => {
      h.started.push({ settings, samples, resumed: checkpoint !== undefined });
      if (checkpoint) h.net.load(checkpoint.network.entries);
      const trainer = new FakeTrainer(h.net, settings.trainer.lr);
      h.trainers.push(trainer);
      return { network: h.net, trainer, feed: new FakeFeed(settings.seed, samples, poison) };
    },
    picture: (batch, result) => (result.pictured ? new TextEncoder().encode(JSON.stringify({ batch, step: result.step })) : undefined),
    extraMetrics: (r) => ({ target: r.target }),
    dataInfo: () => ({ seed: 3 }),
    task: 'fake',
    title: 'fake run',
    nanHint: 'try a lower fake rate',
    ...extra,
  };
}

const harness = (): Harness => ({ net: new FakeNetwork(), trainers: [], started: [] });

async function listing(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const f of ['metrics.jsonl', 'curve.svg']) out[f] = await fsp.readFile(path.join(dir, f), 'utf8');
  for (const f of (await fsp.readdir(path.join(dir, 'images'))).sort())
    out[`images/${f}`] = await fsp.readFile(path.join(dir, 'images', f), 'utf8');
  return out;
}

const ckpts = async (dir: string) => (await fsp.readdir(dir)).filter((n) => n.startsWith('ckpt-')).sort();
/** metrics.jsonl without its timing fields and tensor count (several fake networks are alive at once). */
const stable = (text: string) =>
  text
    .trim()
    .split('\n')
    .map((l) => {
      const { seconds: _s, imagesPerSecond: _i, time: _t, tensors: _n, ...rest } = JSON.parse(l) as Record<string, unknown>;
      return rest;
    });

describe('runTrainingLoop', () => {
  it('resumed after an interruption it ends as the straight run: weights, optimiser, metrics, curve, pictures; keep and settings are the saved ones', async () => {
    const tensors = tf.memory().numTensors;
    const a = harness();
    const straight = await runTrainingLoop(options(path.join(root, 'straight'), a));
    expect(straight.steps).toBe(7);
    expect(a.trainers[0]!.disposed).toBe(true);
    expect(await ckpts(path.join(root, 'straight'))).toEqual(['ckpt-6', 'ckpt-7']);

    const cut = path.join(root, 'cut');
    const b = harness();
    const killed = runTrainingLoop(
      options(cut, b, {
        onProgress: (e) => {
          if (e.done === 5) throw new Error('killed');
        },
      }),
    );
    await expect(killed).rejects.toThrow('killed');
    expect(b.trainers[0]!.disposed).toBe(true);
    expect((await findLatestCheckpoint(fs, cut))?.step).toBe(3);
    // Resumed with other settings: the saved ones win (keep 2, picture cadence 3, seed 3).
    const c = harness();
    const info: string[] = [];
    const other: FakeSettings = { ...SETTINGS, seed: 99, savePredEvery: 1, saveNumImages: 0, keep: 10 };
    const resumed = await runTrainingLoop(options(cut, c, { resume: true, settings: other, onInfo: (m) => info.push(m) }));
    expect(info).toEqual([expect.stringMatching(/^resuming from .*ckpt-3 \(step 3\)$/)]);
    expect(c.started).toEqual([{ settings: SETTINGS, samples: 6, resumed: true }]);
    expect(resumed.settings).toEqual(SETTINGS);
    expect(resumed.resumedFrom).toMatch(/ckpt-3$/);
    expect(resumed.stepsThisRun).toBe(4);
    expect(resumed.loss).toBe(straight.loss);
    expect(await ckpts(cut)).toEqual(['ckpt-6', 'ckpt-7']);

    const x = await loadCheckpoint(fs, path.join(root, 'straight', 'ckpt-7'));
    const y = await loadCheckpoint(fs, path.join(cut, 'ckpt-7'));
    expect(y.network.entries[0]!.data).toEqual(x.network.entries[0]!.data);
    expect(y.optimizer[0]!.data).toEqual(x.optimizer[0]!.data);
    expect(y.state.data).toEqual({ samples: 14, seed: 3 });
    expect(y.state.run).toEqual({ ...SETTINGS });
    const [la, lb] = [await listing(path.join(root, 'straight')), await listing(cut)];
    expect(Object.keys(lb)).toEqual(['metrics.jsonl', 'curve.svg', 'images/step-3.png', 'images/step-6.png', 'images/step-7.png']);
    expect(lb['curve.svg']).toBe(la['curve.svg']);
    expect(lb['images/step-6.png']).toBe(la['images/step-6.png']);
    expect(stable(lb['metrics.jsonl']!)).toEqual(stable(la['metrics.jsonl']!));
    expect(stable(lb['metrics.jsonl']!).map((l) => l.step)).toEqual([1, 2, 3, 4, 5, 6, 7]);

    // A finished run continues when numSteps is raised (the one setting that may change).
    const d = harness();
    const more = await runTrainingLoop(options(cut, d, { resume: true, numSteps: 9 }));
    expect(more.stepsThisRun).toBe(2);
    expect((await loadCheckpoint(fs, path.join(cut, 'ckpt-9'))).state.run).toEqual({
      ...SETTINGS,
      trainer: { ...SETTINGS.trainer, numSteps: 9 },
    });
    expect(await ckpts(cut)).toEqual(['ckpt-7', 'ckpt-9']);
    for (const h of [a, b, c, d]) h.net.dispose();
    expect(tf.memory().numTensors).toBe(tensors);
  });

  it('a non-finite loss stops with the last good checkpoint named and nothing written for it', async () => {
    const dir = path.join(root, 'nan');
    const h = harness();
    // Samples 8, 9 form the batch of update 5.
    const error = await runTrainingLoop(options(dir, h, {}, { 9: Number.NaN })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeeplabError);
    expect((error as DeeplabError).code).toBe('non-finite-loss');
    expect((error as Error).message).toMatch(
      /^step 4: loss is NaN at step 4; no update applied; training stopped, the last good checkpoint is .*ckpt-3 \(try a lower fake rate\)$/,
    );
    expect(h.trainers[0]!.disposed).toBe(true);
    expect(await ckpts(dir)).toEqual(['ckpt-3']);
    expect(stable(await fsp.readFile(path.join(dir, 'metrics.jsonl'), 'utf8')).map((l) => l.step)).toEqual([1, 2, 3, 4]);

    // Weights that overflow with a finite loss are caught before the checkpoint is written.
    const inf = path.join(root, 'inf');
    const g = harness();
    const blown = await runTrainingLoop(options(inf, g, { settings: { ...SETTINGS, savePredEvery: 1 } }, { 2: 3e38, 3: 3e38 })).catch(
      (e: unknown) => e,
    );
    expect((blown as DeeplabError).code).toBe('non-finite-loss');
    expect((blown as Error).message).toMatch(
      /^w: weights became NaN or infinite at step 2; training stopped, the last good checkpoint is .*ckpt-1 \(try a lower fake rate\)$/,
    );
    expect((await findLatestCheckpoint(fs, inf))?.step).toBe(1);
    h.net.dispose();
    g.net.dispose();
  });

  it('refuses a checkpoint of another kind of run, writes nothing without an output, and offsets steps', async () => {
    const h = harness();
    await expect(
      runTrainingLoop(options(path.join(root, 'straight'), h, { resume: true, settings: { ...SETTINGS, kind: 'other' as 'fake' } })),
    ).rejects.toThrow(/the latest checkpoint is not of an other run/);
    expect(h.started).toEqual([]);

    const none = await runTrainingLoop(options(undefined, h, { settings: { ...SETTINGS, trainer: { numSteps: 2, lr: 0.1 } } }));
    expect(none).toMatchObject({ steps: 2, checkpoint: '' });

    // A second stage continuing the global step in the same directory keeps the first stage's lines.
    const dir = path.join(root, 'stages');
    const two = { ...SETTINGS, trainer: { numSteps: 2, lr: 0.1 } };
    await runTrainingLoop(options(dir, h, { settings: two }));
    const later = harness();
    const second = await runTrainingLoop(options(dir, later, { settings: two, stepOffset: 2 }));
    expect(second.steps).toBe(2);
    expect(await ckpts(dir)).toEqual(['ckpt-2', 'ckpt-4']);
    expect(stable(await fsp.readFile(path.join(dir, 'metrics.jsonl'), 'utf8')).map((l) => l.step)).toEqual([1, 2, 3, 4]);
    expect((await loadCheckpoint(fs, path.join(dir, 'ckpt-4'))).state).toMatchObject({ step: 4, optimizerScalars: { step: 2 } });
    expect(await fsp.readdir(path.join(dir, 'images'))).toEqual(['step-2.png', 'step-4.png']);
    h.net.dispose();
    later.net.dispose();
  });
});
