import * as tf from '@tensorflow/tfjs-core';
import { loadBackend, resnetConfig } from '@objsel/deeplab-resnet';
import { beforeAll, describe, expect, it } from 'vitest';
import { ATTENTION_BIASES, ATTENTION_WEIGHTS, DcspNetwork } from '../src/index';
import { StageTrainer, type DcspBatch } from '../src/train/index';
import { globalAveragePool } from '../src/attention';

beforeAll(async () => {
  await loadBackend('wasm');
});

const tiny = () => resnetConfig(50, { widthMultiplier: 1 / 16, blocks: [1, 1, 1, 1], numClasses: 21 });

function seeded(n: number, seed: number, scale: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 32 - 0.5) * 2 * scale;
  });
}

function batchOf(n: number, size: number, seed: number): DcspBatch {
  const tags = new Float32Array(n * 20);
  for (let b = 0; b < n; b++) {
    tags[b * 20 + ((seed + b) % 20)] = 1;
    tags[b * 20 + ((seed + 3 * b + 7) % 20)] = 1;
  }
  const labels = Uint8Array.from(seeded(n * size * size, seed + 1, 1), (v) => (v > 0.3 ? 0 : Math.floor((v + 1) * 10) % 21));
  return { images: seeded(n * size * size * 3, seed, 60), labels, tags, batchSize: n, height: size, width: size };
}

async function snapshot(net: DcspNetwork): Promise<Map<string, Float32Array>> {
  const out = new Map<string, Float32Array>();
  for (const [name, v] of net.variables) out.set(name, Float32Array.from(await v.data()));
  return out;
}

function changed(a: Float32Array, b: Float32Array): boolean {
  return a.some((v, i) => v !== b[i]);
}

describe('StageTrainer', () => {
  it('attention stage: trains only fc*, with DCSP poly rate and x20 bias multiplier on the exact gradient', async () => {
    const net = DcspNetwork.create(tiny(), { seed: 11 });
    // Head weights of order 1, so that weight decay is a visible part of their update.
    tf.tidy(() => net.variables.get(ATTENTION_WEIGHTS)!.assign(tf.randomNormal([1, 1, 21, 20], 0, 1, 'float32', 3)));
    const batch = batchOf(2, 25, 5);
    const trainer = new StageTrainer(net, {
      steps: 4,
      learningRate: 1e-3,
      momentum: 0.9,
      power: 0.9,
      weightDecay: 5e-4,
      trainable: 'fc',
      objective: 'classification',
    });
    expect(trainer.trainedNames.every((n) => n.includes('fc'))).toBe(true);
    expect(trainer.trainedNames).toContain(ATTENTION_BIASES);
    // Reference gradient of the biases: d/db_k mean_nk CE(sigmoid(gap_nk + b_k), z_nk) = (sigmoid - z) / (N K) summed over n.
    const x = tf.tensor4d(batch.images, [2, 25, 25, 3]);
    const out = net.forward(x);
    const gap = await globalAveragePool(out.attention).data();
    const gapLogits = await globalAveragePool(out.logits).data();
    tf.dispose([x, out.logits, out.attention]);
    const before = await snapshot(net);
    const tensors = tf.memory().numTensors;
    const result = await trainer.trainStep(batch);
    expect(tf.memory().numTensors).toBe(tensors);
    const after = await snapshot(net);
    for (const [name, v] of before) expect(changed(v, after.get(name)!)).toBe(name.includes('fc') && !name.includes('moving'));
    const lr = 1e-3 * (1 - 1 / 5) ** 0.9;
    expect(result.learningRate).toBeCloseTo(lr, 12);
    const b0 = before.get(ATTENTION_BIASES)!;
    const b1 = after.get(ATTENTION_BIASES)!;
    for (let k = 0; k < 20; k++) {
      let g = 0;
      for (let n = 0; n < 2; n++) g += (1 / (1 + Math.exp(-gap[n * 20 + k]!)) - batch.tags[n * 20 + k]!) / 40;
      expect(b1[k]! - b0[k]!).toBeCloseTo(-lr * 20 * g, 8);
    }
    // Head weights: d/dW[c,k] = sum_n (sigmoid - z)_nk * GAP(logits)_nc / (N K), plus weight decay, x10.
    const w0 = before.get(ATTENTION_WEIGHTS)!;
    const w1 = after.get(ATTENTION_WEIGHTS)!;
    let worst = 0;
    let scale = 0;
    for (let c = 0; c < 21; c++)
      for (let k = 0; k < 20; k++) {
        let g = 5e-4 * w0[c * 20 + k]!;
        for (let n = 0; n < 2; n++) g += ((1 / (1 + Math.exp(-gap[n * 20 + k]!)) - batch.tags[n * 20 + k]!) * gapLogits[n * 21 + c]!) / 40;
        const want = -lr * 10 * g;
        worst = Math.max(worst, Math.abs(w1[c * 20 + k]! - w0[c * 20 + k]! - want));
        scale = Math.max(scale, Math.abs(want));
      }
    expect(worst / scale).toBeLessThan(1e-3);
    // The reported classification loss is the mean sigmoid cross-entropy of the pooled scores.
    let ce = 0;
    for (let i = 0; i < 40; i++) {
      const s = gap[i]!;
      const z = batch.tags[i]!;
      ce += Math.max(s, 0) - s * z + Math.log1p(Math.exp(-Math.abs(s)));
    }
    expect(result.classification).toBeCloseTo(ce / 40, 5);
    // L2 covers every convolution kernel, frozen ones included.
    let l2 = 0;
    for (const [name, v] of before) if (name.endsWith('/weights')) for (const w of v) l2 += 0.5 * w * w;
    expect(result.loss).toBeCloseTo(result.classification + 5e-4 * l2, 4);
    trainer.dispose();
    net.dispose();
  });

  it('segmentation stage: trains every convolution (BN frozen), loss = CE on cues + classification + L2, no tensor growth', async () => {
    const net = DcspNetwork.create(tiny(), { seed: 12 });
    const trainer = new StageTrainer(net, {
      steps: 3,
      learningRate: 1e-3,
      momentum: 0.9,
      power: 0.9,
      weightDecay: 5e-4,
      trainable: 'all',
      objective: 'segmentation',
    });
    const before = await snapshot(net);
    const tensors = tf.memory().numTensors;
    const first = await trainer.trainStep(batchOf(2, 25, 9));
    const after = await snapshot(net);
    for (const [name, v] of before) {
      const bn = /moving_|gamma|beta/.test(name);
      expect(changed(v, after.get(name)!)).toBe(!bn);
    }
    expect(first.segmentation).toBeGreaterThan(Math.log(21) * 0.5);
    expect(first.loss).toBeGreaterThan(first.segmentation! + first.classification);
    for (let s = 0; s < 2; s++) await trainer.trainStep(batchOf(2, 25, 20 + s));
    expect(tf.memory().numTensors).toBe(tensors);
    expect(trainer.step).toBe(3);
    trainer.dispose();
    net.dispose();
  });
});
