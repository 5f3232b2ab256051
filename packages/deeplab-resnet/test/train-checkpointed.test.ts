// The memory-lean training path (src/model/checkpointed.ts: frozen BN folded into the
// convolutions, per-unit gradient checkpointing, ASPP as shifted 1x1 taps) against the plain
// autodiff path of DeepLabResNet.forward (tf.batchNorm, space-to-batch atrous convolutions):
// same logits, same gradients, same optimiser update, no tensor leaks. On cpu and wasm.
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asppAsShiftedTaps } from '../src/model/checkpointed';
import { DeepLabResNet, loadBackend, resnetConfig } from '../src/index';
import { Trainer, type TrainingBatch } from '../src/train/index';
import { InteractiveTrainer, interactiveConfig } from '../src/interactive/index';
import { atrousConv2d } from '../src/ops/atrous';
import type { ConvSpec } from '../src/model/architecture';
import { relativeL2 } from './reference/deeplab-reference';

/** A small ResNet with every stage (strided res3a, dilated res4/res5) and non-trivial frozen BN statistics. */
function smallNetwork(
  seed: number,
  config = resnetConfig(50, { widthMultiplier: 0.125, blocks: [1, 2, 2, 1], numClasses: 4 }),
): DeepLabResNet {
  const net = DeepLabResNet.create(config, { seed });
  let s = seed * 100;
  tf.tidy(() => {
    for (const [name, v] of net.variables) {
      s += 1;
      if (/moving_mean|beta/.test(name)) v.assign(tf.randomNormal(v.shape, 0, 0.2, 'float32', s));
      else if (/moving_variance|gamma/.test(name)) v.assign(tf.randomUniform(v.shape, 0.5, 1.5, 'float32', s));
      else if (/biases/.test(name)) v.assign(tf.randomNormal(v.shape, 0, 0.1, 'float32', s));
    }
  });
  return net;
}

function batch(size: number, classes: number, seed: number): TrainingBatch {
  let state = seed >>> 0;
  const random = () => (state = (state * 1664525 + 1013904223) >>> 0) / 4294967296;
  const images = Float32Array.from({ length: size * size * 3 }, () => (random() - 0.5) * 100);
  const labels = Int32Array.from({ length: size * size }, () => (random() < 0.1 ? 255 : Math.floor(random() * classes)));
  return { images, labels, batchSize: 1, height: size, width: size, channels: 3 };
}

async function snapshot(net: DeepLabResNet): Promise<Map<string, Float32Array>> {
  const out = new Map<string, Float32Array>();
  for (const [name, v] of net.variables) out.set(name, new Float32Array((await v.data()) as Float32Array));
  return out;
}

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`checkpointed training path (${backend})`, () => {
    beforeAll(async () => {
      await loadBackend(backend);
    });
    afterAll(async () => {
      await tf.setBackend('cpu');
    });

    it('ASPP as shifted 1x1 taps equals the sum of space-to-batch atrous convolutions, values and gradients (rates past the map size included)', () => {
      const rates = [1, 2, 6, 12];
      const convs: ConvSpec[] = rates.map((dilation, i) => ({
        name: `c${i}`,
        kernel: 3,
        inChannels: 5,
        outChannels: 3,
        stride: 1,
        dilation,
        bias: true,
      }));
      const x = tf.randomNormal([2, 9, 7, 5], 0, 1, 'float32', 1) as tf.Tensor4D;
      const ws = rates.map((_, i) => tf.randomNormal([3, 3, 5, 3], 0, 1, 'float32', 10 + i) as tf.Tensor4D);
      const bs = rates.map((_, i) => tf.randomNormal([3], 0, 1, 'float32', 20 + i) as tf.Tensor1D);
      const dy = tf.randomNormal([2, 9, 7, 3], 0, 1, 'float32', 30);
      const before = tf.memory().numTensors;
      const reference = (xx: tf.Tensor, ...p: tf.Tensor[]) =>
        tf.addN(rates.map((r, i) => tf.add(atrousConv2d(xx as tf.Tensor4D, p[i] as tf.Tensor4D, r), p[rates.length + i]!)));
      const taps = (xx: tf.Tensor, ...p: tf.Tensor[]) =>
        asppAsShiftedTaps(xx as tf.Tensor4D, convs, p.slice(0, rates.length) as tf.Tensor4D[], p.slice(rates.length) as tf.Tensor1D[]);
      const args = [x, ...ws, ...bs];
      const ref = tf.grads(reference)(args, dy);
      const got = tf.grads(taps)(args, dy);
      const yRef = tf.tidy(() => reference(x, ...ws, ...bs));
      const yGot = tf.tidy(() => taps(x, ...ws, ...bs));
      expect(relativeL2(yGot.dataSync(), yRef.dataSync())).toBeLessThan(1e-6);
      ref.forEach((g, i) => {
        expect(relativeL2(got[i]!.dataSync(), g.dataSync()), `gradient ${i}`).toBeLessThan(1e-6);
      });
      // rate 12 on a 9x7 map: only the centre tap reaches it, and its filter's other taps get zero gradient.
      const g12 = got[4]!.arraySync() as number[][][][];
      expect(g12[0]![0]!.flat().every((v) => v === 0)).toBe(true);
      tf.dispose([...ref, ...got, yRef, yGot]);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([x, ...ws, ...bs, dy]);
    });

    it('forward({ checkpoint }) gives the logits of the batchNorm path, and the same gradient for every trained variable', () => {
      const net = smallNetwork(3);
      const x = tf.randomNormal([1, 41, 41, 3], 0, 40, 'float32', 5) as tf.Tensor4D;
      const weightsOut = tf.randomNormal([1, 6, 6, 4], 0, 1, 'float32', 6);
      const trained = [...net.variables.entries()].filter(([n]) => !/moving|gamma|beta/.test(n));
      const objective = (checkpoint: boolean) => () => tf.sum(tf.mul(net.forward(x, { checkpoint }).logits, weightsOut)) as tf.Scalar;
      const plain = tf.variableGrads(
        objective(false),
        trained.map(([, v]) => v),
      );
      const before = tf.memory().numTensors;
      const lean = tf.variableGrads(
        objective(true),
        trained.map(([, v]) => v),
      );
      expect(relativeL2(lean.value.dataSync(), plain.value.dataSync())).toBeLessThan(1e-5);
      for (const [name, v] of trained) {
        expect(relativeL2(lean.grads[v.name]!.dataSync(), plain.grads[v.name]!.dataSync()), name).toBeLessThan(1e-5);
      }
      tf.dispose([lean.value, ...Object.values(lean.grads)]);
      expect(tf.memory().numTensors).toBe(before);
      // The engine is left in a usable state: an ordinary gradient still works afterwards.
      const again = tf.variableGrads(
        objective(false),
        trained.map(([, v]) => v),
      );
      expect(relativeL2(again.value.dataSync(), plain.value.dataSync())).toBeLessThan(1e-6);
      tf.dispose([plain.value, ...Object.values(plain.grads), again.value, ...Object.values(again.grads), x, weightsOut]);
      net.dispose();
    });

    it('two train.py updates (momentum, multipliers, weight decay) equal the plain path within 1e-5, and no tensor leaks', async () => {
      const b1 = batch(49, 4, 11);
      const b2 = batch(49, 4, 12);
      const updates: Array<Map<string, Float32Array>> = [];
      const losses: number[][] = [];
      for (const checkpoint of [false, true]) {
        const net = smallNetwork(7);
        const trainer = new Trainer(net, { numClasses: 4, learningRate: 1e-3, numSteps: 10, checkpoint });
        const start = await snapshot(net);
        const seen: number[] = [];
        seen.push((await trainer.trainStep([b1])).loss);
        const tensors = tf.memory().numTensors;
        seen.push((await trainer.trainStep([b2])).loss);
        expect(tf.memory().numTensors).toBe(tensors);
        const end = await snapshot(net);
        updates.push(new Map([...start].map(([n, w]) => [n, w.map((v, i) => end.get(n)![i]! - v)])));
        losses.push(seen);
        trainer.dispose();
        net.dispose();
      }
      const [plain, lean] = updates as [Map<string, Float32Array>, Map<string, Float32Array>];
      expect(relativeL2(losses[1]!, losses[0]!)).toBeLessThan(1e-5);
      let moved = 0;
      let trained = 0;
      for (const [name, delta] of plain) {
        if (/moving|gamma|beta/.test(name)) {
          expect(
            lean.get(name)!.every((v) => v === 0),
            name,
          ).toBe(true);
          continue;
        }
        trained++;
        if (delta.some((v) => v !== 0)) moved++;
        expect(relativeL2(lean.get(name)!, delta), name).toBeLessThan(1e-5);
      }
      expect(trained).toBe(31);
      expect(moved).toBe(trained);
    });

    it('the interactive trainer (5 channels, weighted sigmoid loss) takes the same update on the lean path', async () => {
      const size = 41;
      let state = 99;
      const random = () => (state = (state * 1664525 + 1013904223) >>> 0) / 4294967296;
      const images = Float32Array.from({ length: size * size * 5 }, () => (random() - 0.5) * 100);
      const labels = Int32Array.from({ length: size * size }, () => (random() < 0.1 ? 255 : random() < 0.3 ? 1 : 0));
      const interactiveBatch = { images, labels, batchSize: 1, height: size, width: size };
      const deltas: Array<Map<string, Float32Array>> = [];
      for (const checkpoint of [false, true]) {
        const net = smallNetwork(9, interactiveConfig(50, { widthMultiplier: 0.125, blocks: [1, 2, 2, 1] }));
        const trainer = new InteractiveTrainer(net, { learningRate: 1e-3, numSteps: 10, checkpoint });
        // The trainer must ask the network for the path under test.
        const asked: boolean[] = [];
        const forward = net.forward.bind(net);
        net.forward = (x, options) => (asked.push(options?.checkpoint === true), forward(x, options));
        const start = await snapshot(net);
        const tensors = tf.memory().numTensors;
        await trainer.trainStep(interactiveBatch);
        expect(asked).toEqual([checkpoint]);
        expect(tf.memory().numTensors).toBe(tensors);
        const end = await snapshot(net);
        deltas.push(new Map([...start].map(([n, w]) => [n, w.map((v, i) => end.get(n)![i]! - v)])));
        trainer.dispose();
        net.dispose();
      }
      const [plain, lean] = deltas as [Map<string, Float32Array>, Map<string, Float32Array>];
      for (const [name, delta] of plain) {
        if (/moving|gamma|beta/.test(name)) continue;
        expect(
          delta.some((v) => v !== 0),
          name,
        ).toBe(true);
        expect(relativeL2(lean.get(name)!, delta), name).toBeLessThan(1e-5);
      }
    });
  });
}

/**
 * The case: one train.py step of full ResNet-101 on a 321x321 image, batch 1, on wasm,
 * whose heap cannot grow past 4 GiB (the plain path runs out of it). Minutes on 2 cores, so
 * opt-in: OBJSEL_FULL_SIZE=1 npx vitest run --project deeplab-resnet test/train-checkpointed.test.ts
 */
describe.skipIf(process.env.OBJSEL_FULL_SIZE !== '1')('ResNet-101 321x321 train step on wasm (OBJSEL_FULL_SIZE=1)', () => {
  it('completes, changes every trained weight, keeps BN frozen and leaks no tensor', { timeout: 1_800_000 }, async () => {
    await loadBackend('wasm');
    const net = DeepLabResNet.create(resnetConfig(101), { seed: 1 });
    const b = batch(321, 21, 5);
    // Moving statistics from the image itself, so that 100 random layers stay well scaled.
    tf.tidy(() => {
      const { batchStats } = net.forward(tf.tensor4d(b.images, [1, 321, 321, 3]), { trainBatchNorm: true });
      for (const s of batchStats!) {
        net.variables.get(`${s.layer}/moving_mean`)!.assign(s.mean);
        net.variables.get(`${s.layer}/moving_variance`)!.assign(s.variance);
      }
    });
    const trainer = new Trainer(net, { numClasses: 21 });
    const start = await snapshot(net);
    const tensors = tf.memory().numTensors;
    const result = await trainer.trainStep([b]);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(Number.isFinite(result.loss)).toBe(true);
    const end = await snapshot(net);
    for (const [name, before] of start) {
      const changed = before.some((v, i) => v !== end.get(name)![i]);
      expect(changed, name).toBe(!/moving|gamma|beta/.test(name));
    }
    trainer.dispose();
    net.dispose();
    await tf.setBackend('cpu');
  });
});
