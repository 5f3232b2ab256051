/**
 * The conformance training step: one update of a small DeepLab-v2 ResNet on fixed, seeded
 * inputs. The same module runs in Node (cpu, wasm, WebGPU through Dawn) and in Chromium
 * (WebGPU on SwiftShader); every backend must produce the same loss and the same updated
 * weights. Browser-safe: no Node imports, ops from tfjs-core only (the entry point registers
 * gradients).
 */
import * as tf from '@tensorflow/tfjs-core';
import { DeepLabResNet, resnetConfig, type DeepLabConfig } from '../../src/index';
import { Trainer } from '../../src/train/index';
import { InteractiveTrainer } from '../../src/interactive/index';

/** One conformance case: a network shape, an input batch and a learning rate. */
export interface ConformanceCase {
  /** Short id, used in reports and page URLs. */
  name: string;
  /** Network shape. */
  config: DeepLabConfig;
  /** Batch, height, width of the input. */
  batch: number;
  size: number;
  /** Seed of the weights and of the input batch. */
  seed: number;
  /** SGD learning rate of the one step. */
  learningRate: number;
  /**
   * `trainer`: one update of the package's {@link Trainer} (train.py: soft-max CE, L2, momentum,
   * ×10/×20 multipliers, here with batch-statistics BatchNorm and its moving-average update);
   * `interactive`: one update of its {@link InteractiveTrainer} with the seed's settings
   * (weighted sigmoid cross-entropy pos_weight 5 ×20, L2 2.5e-4, momentum, conv1/fc ×5, frozen
   * BatchNorm).
   */
  step: 'trainer' | 'interactive';
  /** Also time a second, warm step (shaders compiled): the number the reports quote. */
  timeWarmStep: boolean;
}

/**
 * The cases: the interactive model's shape (5 input channels, 1 output, the seed's weighted
 * sigmoid loss, ASPP rates scaled to small inputs as in the web example's model) and the
 * segmentation model's (3 channels, 21 classes, soft-max loss, DeepLab-v2's ASPP rates 6/12/18/24),
 * both reduced in width and depth so that stock cpu kernels finish in seconds.
 */
export const CONFORMANCE_CASES: readonly ConformanceCase[] = [
  {
    name: 'interactive-5ch',
    config: resnetConfig(50, { inputChannels: 5, numClasses: 1, widthMultiplier: 1 / 16, blocks: [1, 1, 1, 1], asppRates: [2, 4, 6, 8] }),
    batch: 2,
    size: 25,
    seed: 8,
    learningRate: 0.002,
    step: 'interactive',
    timeWarmStep: true,
  },
  {
    name: 'voc-21',
    config: resnetConfig(50, { inputChannels: 3, numClasses: 21, widthMultiplier: 1 / 32, blocks: [1, 1, 1, 1] }),
    batch: 1,
    size: 33,
    seed: 21,
    learningRate: 0.01,
    step: 'trainer',
    timeWarmStep: false,
  },
];

/** What one backend computed for one case. */
export interface StepResult {
  /** Case name. */
  case: string;
  /** TF.js backend the step ran on. */
  backend: string;
  /** Loss of the step (before the update). */
  loss: number;
  /** The weight-decay part of `loss` (trainer cases). */
  l2?: number;
  /** Every variable before the step, by TF-port name. */
  initial: Record<string, Float32Array>;
  /** Every variable after the step, by TF-port name. */
  updated: Record<string, Float32Array>;
  /** Wall time of the step in ms (first run: includes kernel/shader compilation). */
  stepMs: number;
  /** Wall time of a second, warm step in ms (cases with `timeWarmStep`). */
  warmStepMs?: number;
}

/** mulberry32: a tiny seeded PRNG, so inputs do not depend on TF.js's random ops. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The input batch (BGR minus mean, then click maps minus 131 for 5 channels) and labels at the input size. */
export function caseInputs(c: ConformanceCase): { input: Float32Array; labels: Int32Array } {
  const random = prng(c.seed * 7919 + 1);
  const { batch, size } = c;
  const channels = c.config.inputChannels;
  const input = new Float32Array(batch * size * size * channels);
  for (let i = 0; i < input.length; i++) {
    const ch = i % channels;
    // Image channels: roughly the spread of mean-subtracted pixels; click maps: 0..255 minus 131.
    input[i] = ch < 3 ? (random() - 0.5) * 200 : Math.floor(random() * 256) - 131;
  }
  const labels = new Int32Array(batch * size * size);
  for (let b = 0; b < batch; b++) {
    // A disc at a random place: the object; for 21 classes its class is random, background 0.
    const cy = random() * size;
    const cx = random() * size;
    const r = 4 + random() * (size / 3);
    const cls = c.config.numClasses === 1 ? 1 : 1 + Math.floor(random() * (c.config.numClasses - 1));
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const inside = (y + 0.5 - cy) ** 2 + (x + 0.5 - cx) ** 2 <= r * r;
        labels[(b * size + y) * size + x] = inside ? cls : 0;
      }
    }
  }
  return { input, labels };
}

async function snapshot(model: DeepLabResNet): Promise<Record<string, Float32Array>> {
  const out: Record<string, Float32Array> = {};
  for (const e of await model.toWeightEntries()) out[e.name] = e.data;
  return out;
}

/**
 * Runs the step of case `c` on the active backend: build the seeded network, apply one update
 * (see {@link ConformanceCase.step}). With
 * `timeWarmStep` a second step on a fresh copy is timed warm. Leaves no tensors behind.
 */
export async function runTrainingStep(c: ConformanceCase): Promise<StepResult> {
  const { input, labels } = caseInputs(c);
  const channels = c.config.inputChannels;
  const step = async (): Promise<{ loss: number; l2?: number; model: DeepLabResNet; ms: number }> => {
    const model = DeepLabResNet.create(c.config, { seed: c.seed });
    const t0 = performance.now();
    if (c.step === 'trainer') {
      const trainer = new Trainer(model, {
        numClasses: c.config.numClasses,
        numSteps: 100,
        learningRate: c.learningRate,
        trainBatchNorm: true,
      });
      const batch = { images: input, labels, batchSize: c.batch, height: c.size, width: c.size, channels };
      const { loss, l2 } = await trainer.trainStep([batch]);
      trainer.dispose();
      return { loss, l2, model, ms: performance.now() - t0 };
    }
    const trainer = new InteractiveTrainer(model, { numSteps: 100, learningRate: c.learningRate });
    const { loss, l2 } = await trainer.trainStep({ images: input, labels, batchSize: c.batch, height: c.size, width: c.size });
    trainer.dispose();
    return { loss, l2, model, ms: performance.now() - t0 };
  };
  const before = tf.memory().numTensors;
  const first = await step();
  const initialModel = DeepLabResNet.create(c.config, { seed: c.seed });
  const initial = await snapshot(initialModel);
  initialModel.dispose();
  const updated = await snapshot(first.model);
  first.model.dispose();
  let warmStepMs: number | undefined;
  if (c.timeWarmStep) {
    const second = await step();
    second.model.dispose();
    warmStepMs = second.ms;
  }
  const leaked = tf.memory().numTensors - before;
  if (leaked !== 0) throw new Error(`conformance step leaked ${leaked} tensors on ${tf.getBackend()}`);
  const result: StepResult = { case: c.name, backend: tf.getBackend(), loss: first.loss, initial, updated, stepMs: first.ms };
  if (warmStepMs !== undefined) result.warmStepMs = warmStepMs;
  if (first.l2 !== undefined) result.l2 = first.l2;
  return result;
}
