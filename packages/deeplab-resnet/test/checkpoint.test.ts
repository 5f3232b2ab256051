import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeepLabResNet, resnetConfig } from '../src/index';
import {
  CHECKPOINT_INDEX,
  cleanStaleCheckpointFiles,
  findLatestCheckpoint,
  listCheckpoints,
  loadCheckpoint,
  saveCheckpoint,
  type CheckpointContents,
} from '../src/checkpoint/checkpoint';
import type { WritableFiles } from '@objsel/caffe-import';
import { nodeFileSystem } from '@objsel/caffe-import/node';
import { Trainer } from '../src/train/trainer';

const fs: WritableFiles = nodeFileSystem;
let root: string;
let net: DeepLabResNet;
let base: CheckpointContents;

beforeAll(async () => {
  await tf.setBackend('cpu');
  root = await fsp.mkdtemp(path.join(os.tmpdir(), 'objsel-ckpt-'));
  net = DeepLabResNet.create(resnetConfig(50, { blocks: [1, 1, 1, 1], widthMultiplier: 1 / 16, numClasses: 3, asppRates: [2] }), {
    seed: 3,
  });
  const trainer = new Trainer(net, { numClasses: 3 });
  const state = await trainer.state();
  trainer.dispose();
  base = {
    network: { entries: await net.toWeightEntries(), meta: net.meta() },
    optimizer: state.entries,
    state: {
      format: 'objsel-trainer-state',
      version: 1,
      step: 0,
      optimizerScalars: state.scalars,
      data: { samples: 0 },
      run: {},
      savedAt: '',
    },
  };
});

afterAll(async () => {
  net.dispose();
  await fsp.rm(root, { recursive: true, force: true });
});

function at(step: number, marker: number): CheckpointContents {
  // Mark each checkpoint by the first value of conv1/weights, to tell them apart after loading.
  const entries = base.network.entries.map((e) =>
    e.name === 'conv1/weights' ? { ...e, data: Float32Array.from(e.data, (v, i) => (i === 0 ? marker : v)) } : e,
  );
  return {
    ...base,
    network: { ...base.network, entries },
    state: { ...base.state, step, optimizerScalars: { step }, savedAt: new Date().toISOString() },
  };
}

/** `fs` that throws a fake crash on the n-th mutating call (writeFile, mkdir, rename, rm, appendFile). */
function crashingFs(n: number): { fs: WritableFiles; calls: () => number } {
  let calls = 0;
  const tick = () => {
    calls += 1;
    if (calls === n) throw Object.assign(new Error('simulated crash'), { code: 'ECRASH' });
  };
  const wrapped: WritableFiles = {
    readFile: (p) => fs.readFile(p),
    readdir: (p) => fs.readdir(p),
    exists: (p) => fs.exists(p),
    writeFile: async (p, d) => {
      tick();
      await fs.writeFile(p, d);
    },
    appendFile: async (p, d) => {
      tick();
      await fs.appendFile(p, d);
    },
    mkdir: async (p, o) => {
      tick();
      return fs.mkdir(p, o);
    },
    rename: async (a, b) => {
      tick();
      await fs.rename(a, b);
    },
    rm: async (p) => {
      tick();
      await fs.rm(p);
    },
  };
  return { fs: wrapped, calls: () => calls };
}

async function firstWeight(dir: string): Promise<number> {
  const c = await loadCheckpoint(fs, dir);
  return c.network.entries.find((e) => e.name === 'conv1/weights')!.data[0]!;
}

describe('checkpoints', () => {
  it('writes ckpt-<step> with model.json, optimizer state and trainer state, loadable as a network', async () => {
    const dir = path.join(root, 'basic');
    const saved = await saveCheckpoint(fs, dir, at(5, 0.5));
    expect(saved).toBe(path.join(dir, 'ckpt-5').replaceAll(path.sep, '/'));
    expect((await fsp.readdir(saved)).sort()).toEqual(expect.arrayContaining(['model.json', 'optimizer', 'trainer.json']));
    const index = JSON.parse(await fsp.readFile(path.join(dir, CHECKPOINT_INDEX), 'utf8'));
    expect(index.latest).toBe('ckpt-5');
    const loaded = await loadCheckpoint(fs, saved);
    expect(loaded.state.step).toBe(5);
    expect(loaded.optimizer.map((e) => e.name)).toEqual(base.optimizer.map((e) => e.name));
    expect(loaded.network.meta.training).toEqual({ step: 5 });
    const again = DeepLabResNet.fromWeights(loaded.network.entries, loaded.network.meta);
    expect(again.config.numClasses).toBe(3);
    again.dispose();
  });

  it('keeps the newest 10 and names the latest in checkpoint.json', async () => {
    const dir = path.join(root, 'keep');
    for (let s = 1; s <= 12; s++) await saveCheckpoint(fs, dir, at(s * 10, s));
    expect((await listCheckpoints(fs, dir)).map((c) => c.step)).toEqual([30, 40, 50, 60, 70, 80, 90, 100, 110, 120]);
    const latest = await findLatestCheckpoint(fs, dir);
    expect(latest?.step).toBe(120);
    expect(await firstWeight(latest!.path)).toBe(12);
    const index = JSON.parse(await fsp.readFile(path.join(dir, CHECKPOINT_INDEX), 'utf8'));
    expect(index.checkpoints).toHaveLength(10);
  });

  it('a crash at any point of a save leaves the previous (or the new) checkpoint complete and loadable', async () => {
    const probe = crashingFs(Number.POSITIVE_INFINITY);
    await saveCheckpoint(probe.fs, path.join(root, 'probe'), at(1, 1));
    await saveCheckpoint(probe.fs, path.join(root, 'probe'), at(2, 2));
    const before = probe.calls();
    await saveCheckpoint(probe.fs, path.join(root, 'probe'), at(3, 3));
    const perSave = probe.calls() - before;
    expect(perSave).toBeGreaterThan(5);
    for (let n = 1; n <= perSave; n++) {
      const dir = path.join(root, `crash-${n}`);
      await saveCheckpoint(fs, dir, at(1, 1));
      await saveCheckpoint(fs, dir, at(2, 2));
      const crash = crashingFs(n);
      const error = await saveCheckpoint(crash.fs, dir, at(3, 3)).catch((e: unknown) => e);
      expect((error as { code?: string })?.code, `crash at call ${n}`).toBe('ECRASH');
      const latest = await findLatestCheckpoint(fs, dir);
      expect([2, 3], `crash at call ${n}`).toContain(latest?.step);
      expect(await firstWeight(latest!.path)).toBe(latest!.step);
      // Leftovers are recognised and cleaned; the complete checkpoints stay.
      await cleanStaleCheckpointFiles(fs, dir);
      expect((await fsp.readdir(dir)).filter((f) => f.startsWith('.'))).toEqual([]);
      expect((await listCheckpoints(fs, dir)).map((c) => c.step)).toEqual(expect.arrayContaining([1, 2]));
    }
  });

  it('a kill while pruning an old checkpoint leaves no half-deleted ckpt-* behind: resumed runs keep exactly `keep`', async () => {
    const dir = path.join(root, 'prune-kill');
    for (let s = 1; s <= 3; s++) await saveCheckpoint(fs, dir, at(s, s), { keep: 3 });
    // A recursive delete killed part-way: the trainer state is gone, the rest of the directory stays.
    const killedMidDelete: WritableFiles = {
      ...fs,
      rm: async (p) => {
        await fsp.rm(path.join(p, 'trainer.json'), { force: true });
        throw Object.assign(new Error('killed'), { code: 'ECRASH' });
      },
    };
    const error = await saveCheckpoint(killedMidDelete, dir, at(4, 4), { keep: 3 }).catch((e: unknown) => e);
    expect((error as { code?: string })?.code).toBe('ECRASH');
    // The resumed run: cleanup at start, then its saves.
    await cleanStaleCheckpointFiles(fs, dir);
    for (let s = 5; s <= 6; s++) await saveCheckpoint(fs, dir, at(s, s), { keep: 3 });
    const names = await fsp.readdir(dir);
    expect(names.filter((n) => n.startsWith('ckpt-')).sort()).toEqual(['ckpt-4', 'ckpt-5', 'ckpt-6']);
    expect(names.filter((n) => n.startsWith('.'))).toEqual([]);
  });

  it('removes the half-deleted checkpoints an interrupted prune of earlier versions left, older than the latest only', async () => {
    const dir = path.join(root, 'half-deleted');
    for (const s of [2, 3]) await saveCheckpoint(fs, dir, at(s, s));
    for (const s of [1, 9]) {
      await fsp.mkdir(path.join(dir, `ckpt-${s}`));
      await fsp.writeFile(path.join(dir, `ckpt-${s}`, 'model.json'), '{}');
    }
    expect(await cleanStaleCheckpointFiles(fs, dir)).toEqual(['ckpt-1']);
    expect((await fsp.readdir(dir)).filter((n) => n.startsWith('ckpt-')).sort()).toEqual(['ckpt-2', 'ckpt-3', 'ckpt-9']);
  });

  it('falls back to scanning when checkpoint.json is missing or corrupt, ignoring incomplete directories', async () => {
    const dir = path.join(root, 'scan');
    await saveCheckpoint(fs, dir, at(4, 4));
    await saveCheckpoint(fs, dir, at(8, 8));
    await fsp.writeFile(path.join(dir, CHECKPOINT_INDEX), '{"latest": "ckpt-');
    await fsp.mkdir(path.join(dir, 'ckpt-12'));
    await fsp.writeFile(path.join(dir, 'ckpt-12', 'model.json'), '{}');
    expect((await findLatestCheckpoint(fs, dir))?.step).toBe(8);
    await fsp.rm(path.join(dir, CHECKPOINT_INDEX));
    expect((await findLatestCheckpoint(fs, dir))?.step).toBe(8);
    await expect(loadCheckpoint(fs, path.join(dir, 'ckpt-12'))).rejects.toThrow(/not a complete checkpoint/);
  });

  it('replaces a checkpoint of the same step as a whole', async () => {
    const dir = path.join(root, 'replace');
    await saveCheckpoint(fs, dir, at(7, 1));
    await saveCheckpoint(fs, dir, at(7, 2));
    expect(await firstWeight(path.join(dir, 'ckpt-7'))).toBe(2);
    expect((await fsp.readdir(dir)).filter((f) => f.startsWith('.'))).toEqual([]);
  });
});
