import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { readPng } from '@objsel/voc-data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeeplabError, loadBackend, resnetConfig } from '../src/index';
import { findLatestCheckpoint, loadCheckpoint } from '../src/checkpoint/checkpoint';
import { nodeFileSystem } from '@objsel/caffe-import/node';
import { ListTrainingData } from '../src/train/data-feed';
import { train, type TrainOptions } from '../src/train/run';
import type { ProgressEvent } from '../src/progress';
import { parseList } from '@objsel/voc-data';
import { writeTinyDataset } from './helpers/dataset';

const fs = nodeFileSystem;
let root: string;
let list: string;

beforeAll(async () => {
  await loadBackend('wasm');
  root = await fsp.mkdtemp(path.join(os.tmpdir(), 'objsel-run-'));
  list = await writeTinyDataset(path.join(root, 'data'), 6, 30);
});

afterAll(async () => {
  await fsp.rm(root, { recursive: true, force: true });
});

const MODEL = resnetConfig(50, { blocks: [1, 1, 1, 1], widthMultiplier: 1 / 16, numClasses: 3, asppRates: [2] });

function options(snapshotDir: string, extra: Partial<TrainOptions> = {}): TrainOptions {
  return {
    fs,
    dataDir: path.join(root, 'data'),
    dataList: list,
    model: MODEL,
    snapshotDir,
    batchSize: 2,
    inputSize: [25, 25],
    randomScale: true,
    randomMirror: true,
    randomSeed: 7,
    savePredEvery: 2,
    saveNumImages: 2,
    trainer: { numClasses: 3, numSteps: 6, learningRate: 0.01, momentum: 0.9, weightDecay: 0.0005, trainBatchNorm: true, bnDecay: 0.9 },
    ...extra,
  };
}

async function weightsOf(dir: string): Promise<Map<string, Float32Array>> {
  const c = await loadCheckpoint(fs, dir);
  return new Map([
    ...c.network.entries.map((e) => [e.name, e.data] as const),
    ...c.optimizer.map((e) => [`opt:${e.name}`, e.data] as const),
  ]);
}

describe('train() runs, checkpoints and resumes', () => {
  it('resuming after an interruption gives the same weights, optimiser state and losses as an uninterrupted run', async () => {
    const straight = await train(options(path.join(root, 'straight')));
    expect(straight.steps).toBe(6);
    straight.network.dispose();

    // Interrupted after update 5 (the last checkpoint is ckpt-4), then resumed to 6.
    const cut = path.join(root, 'cut');
    const error = await train({
      ...options(cut),
      onProgress: (e: ProgressEvent) => {
        if (e.done === 5) throw new Error('killed');
      },
    }).catch((e: unknown) => e);
    expect((error as Error).message).toBe('killed');
    expect((await findLatestCheckpoint(fs, cut))?.step).toBe(4);
    const resumed = await train({ ...options(cut), resume: true, model: undefined });
    expect(resumed.resumedFrom).toMatch(/ckpt-4$/);
    expect(resumed.stepsThisRun).toBe(2);
    resumed.network.dispose();

    const a = await weightsOf(path.join(root, 'straight', 'ckpt-6'));
    const b = await weightsOf(path.join(cut, 'ckpt-6'));
    expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
    for (const [name, data] of a) expect(Array.from(b.get(name)!), name).toEqual(Array.from(data));

    const lines = async (d: string) =>
      (await fsp.readFile(path.join(d, 'metrics.jsonl'), 'utf8'))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
    const la = await lines(path.join(root, 'straight'));
    const lb = await lines(cut);
    expect(lb.map((l) => l.step)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(lb.map((l) => l.loss)).toEqual(la.map((l) => l.loss));
    // tensors stay flat from step to step (no leak in the loop)
    expect(new Set(la.slice(1).map((l) => l.tensors)).size).toBe(1);
  });

  it('keep is a saved setting: a resumed run keeps as many checkpoints as the run it continues', async () => {
    const dir = path.join(root, 'keep');
    const run = (extra: Partial<TrainOptions>) =>
      train(options(dir, { savePredEvery: 1, keep: 2, ...extra, trainer: { ...options(dir).trainer!, numSteps: 3 } }));
    const error = await run({
      onProgress: (e: ProgressEvent) => {
        if (e.done === 3) throw new Error('killed');
      },
    }).catch((e: unknown) => e);
    expect((error as Error).message).toBe('killed');
    // Resumed without keep (the default would be 10), to a raised step count.
    const { keep: _keep, ...rest } = options(dir, { savePredEvery: 1, resume: true, model: undefined });
    const resumed = await train({ ...rest, trainer: { ...rest.trainer!, numSteps: 5 } });
    resumed.network.dispose();
    expect((await fsp.readdir(dir)).filter((n) => n.startsWith('ckpt-')).sort()).toEqual(['ckpt-4', 'ckpt-5']);
    const state = (await loadCheckpoint(fs, path.join(dir, 'ckpt-5'))).state;
    expect(state.run).toMatchObject({ kind: 'segmentation', keep: 2, savePredEvery: 1, trainer: { numSteps: 5 } });
  });

  it('writes picture strips (image | truth | prediction) and a loss/learning-rate SVG', async () => {
    const dir = path.join(root, 'straight');
    const strip = readPng(await fsp.readFile(path.join(dir, 'images', 'step-6.png')));
    expect(strip.width).toBe(3 * 25);
    expect(strip.height).toBe(2 * 25);
    const svg = await fsp.readFile(path.join(dir, 'curve.svg'), 'utf8');
    expect(svg).toMatch(/^<svg/);
    expect(svg.match(/<polyline/g)).toHaveLength(2);
    expect(svg).toContain('6 steps');
  });

  it('a diverging run stops with non-finite-loss and keeps the last good checkpoint', async () => {
    const dir = path.join(root, 'nan');
    const error = await train(
      options(dir, { savePredEvery: 1, trainer: { numClasses: 3, numSteps: 20, learningRate: 1e30, trainBatchNorm: false } }),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeeplabError);
    expect((error as DeeplabError).code).toBe('non-finite-loss');
    expect((error as Error).message).toMatch(/training stopped/);
    const latest = await findLatestCheckpoint(fs, dir);
    if (latest) {
      const c = await loadCheckpoint(fs, latest.path);
      for (const e of c.network.entries) expect(e.data.every(Number.isFinite), e.name).toBe(true);
    }
    expect(tf.memory().numTensors).toBeLessThan(50);
  });

  it('restores from a weights directory and --not-restore-last re-initialises fc* for a new class count', async () => {
    const source = path.join(root, 'straight', 'ckpt-6');
    const tuned = await train(
      options(path.join(root, 'finetune'), {
        mode: 'fine-tune',
        restoreFrom: path.join(root, 'straight'),
        notRestoreLast: true,
        model: undefined,
        trainer: { numClasses: 4, numSteps: 2 },
      }),
    );
    const before = await weightsOf(source);
    const after = new Map((await tuned.network.toWeightEntries()).map((e) => [e.name, e.data]));
    expect(Array.from(after.get('res2a_branch2a/weights')!)).toEqual(Array.from(before.get('res2a_branch2a/weights')!));
    expect(after.get('fc1_voc12_c0/biases')!.length).toBe(4);
    tuned.network.dispose();
    await expect(
      train(options(path.join(root, 'bad'), { restoreFrom: source, model: undefined, trainer: { numClasses: 4, numSteps: 1 } })),
    ).rejects.toThrow(/--not-restore-last/);
  });

  it('the data stream is a function of (seed, position)', async () => {
    const entries = parseList(await fsp.readFile(list, 'utf8'), { dataDir: path.join(root, 'data') });
    const read = (p: string) => fsp.readFile(p);
    const opts = {
      batchSize: 2,
      inputSize: [21, 21] as [number, number],
      randomScale: true,
      randomMirror: true,
      seed: 3,
      ignoreLabel: 255,
    };
    const a = new ListTrainingData(entries, read, opts);
    const seen = [];
    for (let i = 0; i < 5; i++) seen.push(await a.next());
    const b = new ListTrainingData(entries, read, opts, 6);
    const later = await b.next();
    expect(later.ids).toEqual(seen[3]!.ids);
    expect(Array.from(later.images)).toEqual(Array.from(seen[3]!.images));
    // every epoch visits every image once
    expect(new Set([...seen[0]!.ids, ...seen[1]!.ids, ...seen[2]!.ids]).size).toBe(6);
  });
});
