/**
 * Conformance of the tensorflow backend (`@tensorflow/tfjs-node`: TensorFlow's own kernels) with
 * the Node cpu reference, within the tolerance wasm and WebGPU meet (1e-3): the training step of
 * every conformance case (Trainer with batch-statistics BatchNorm, InteractiveTrainer), inference
 * (training-graph logits, folded logits, multi-scale probabilities) and f-BRS. Also checks that
 * none of objsel's kernel patches for the CPU backends is applied on tensorflow, and that its
 * leaner `Step` kernel there equals tfjs-node's.
 *
 * Skipped, with the reason, where tfjs-node is not set up (`bash tools/setup-tfjs-node.sh`).
 * `npm run test:tensorflow` sets it up first and sets OBJSEL_REQUIRE_TENSORFLOW=1, under which
 * a backend that does not load fails the suite instead. Diffs go to
 * test-artifacts/conformance-tensorflow.json.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeepLabResNet, loadBackend } from '../../src/index';
import { InteractiveSegmenter, interactiveConfig } from '../../src/interactive/index';
import { atrousConv2d } from '../../src/ops/atrous';
import { seededValues } from '../helpers/tiny-net';
import { crossBackendOutputs, type CrossBackendOutputs } from '../webgpu/cross-backend';
import { compareSteps, type StepDiff } from './compare';
import { CONFORMANCE_CASES, runTrainingStep, type StepResult } from './training-step';

const TOLERANCE = 1e-3;
const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../../..');
const REQUIRED = process.env.OBJSEL_REQUIRE_TENSORFLOW === '1';

/** Why the tensorflow backend cannot run here, or undefined when it loads. */
async function tensorflowUnavailable(): Promise<string | undefined> {
  try {
    await loadBackend('tensorflow');
    return undefined;
  } catch (error) {
    return `tensorflow backend not set up (bash tools/setup-tfjs-node.sh): ${(error as Error).message}`;
  }
}

const unavailable = await tensorflowUnavailable();
if (unavailable && !REQUIRED) console.log(`SKIP tensorflow conformance: ${unavailable}`);

if (REQUIRED && unavailable !== undefined) {
  it('the tensorflow backend loads (OBJSEL_REQUIRE_TENSORFLOW=1)', () => {
    throw new Error(unavailable);
  });
}

/** max |a − b| / max(1, max |b|). */
function relMax(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let diff = 0;
  let scale = 1;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return diff / scale;
}

function expectConformant(diff: StepDiff, reference: StepResult): void {
  expect(diff.maxInitialDiff, `${diff.case}: initial weights`).toBe(0);
  expect(diff.maxUpdate, `${diff.case}: the step moves the weights`).toBeGreaterThan(1e-3);
  expect(diff.lossDiff, `${diff.case}: loss`).toBeLessThanOrEqual(TOLERANCE * Math.max(1, Math.abs(reference.loss)));
  expect(diff.maxWeightDiff, `${diff.case}: updated weights`).toBeLessThanOrEqual(TOLERANCE);
  expect(diff.maxRelativeUpdateDiff, `${diff.case}: update (${diff.worstVariable})`).toBeLessThanOrEqual(TOLERANCE);
}

/** The f-BRS computation compared: a small interactive net, two clicks, a fixed number of steps. */
async function fbrsOutputs(): Promise<{ plain: Float32Array; refined: Float32Array; losses: number[]; scale: Float32Array }> {
  const net = DeepLabResNet.create(interactiveConfig(50, { blocks: [1, 1, 1, 1], widthMultiplier: 1 / 16, asppRates: [1, 2] }), {
    seed: 14,
  });
  const [h, w] = [24, 24];
  const raw = Float32Array.from(seededValues(h * w * 5, 9), (x) => (x + 1) * 127.5);
  const seg = InteractiveSegmenter.fromModel(net, { fold: false });
  const plain = await seg.segment(raw, w, h);
  const clicks = [
    { x: 5, y: 6, positive: true },
    { x: 18, y: 17, positive: false },
  ];
  const refined = await seg.segmentWithBrs(raw, w, h, clicks, { steps: 8, learningRate: 0.1, earlyStop: false });
  seg.dispose();
  net.dispose();
  return { plain, refined: refined.probability, losses: refined.losses, scale: Float32Array.from(refined.scale) };
}

describe.skipIf(unavailable !== undefined)('tensorflow backend (tfjs-node) vs cpu', () => {
  const report: Record<string, unknown> = { tolerance: TOLERANCE };
  const cpu = new Map<string, StepResult>();
  let cpuOutputs: CrossBackendOutputs;
  let cpuBrs: Awaited<ReturnType<typeof fbrsOutputs>>;

  beforeAll(async () => {
    await loadBackend('cpu');
    for (const c of CONFORMANCE_CASES) cpu.set(c.name, await runTrainingStep(c));
    cpuOutputs = await crossBackendOutputs();
    cpuBrs = await fbrsOutputs();
    await loadBackend('tensorflow');
  });

  afterAll(() => {
    fs.mkdirSync(path.join(ROOT, 'test-artifacts'), { recursive: true });
    fs.writeFileSync(path.join(ROOT, 'test-artifacts/conformance-tensorflow.json'), `${JSON.stringify(report, null, 2)}\n`);
    console.log(`conformance (tensorflow): ${JSON.stringify(report)}`);
  });

  it('is TensorFlow through tfjs-node, with oneDNN off unless the user chose, and none of the CPU-backend kernel patches', async () => {
    const loaded = await loadBackend('tensorflow');
    expect(loaded.name).toBe('tensorflow');
    expect(process.env.TF_ENABLE_ONEDNN_OPTS).toBeDefined();
    // The kernels are tfjs-node's own objects, not objsel's forward-convolution or chunked ones.
    const require = createRequire(path.join(ROOT, 'package.json'));
    const own = (file: string, config: string) =>
      (require(`@tensorflow/tfjs-node/dist/kernels/${file}`) as Record<string, tf.KernelConfig>)[config]!.kernelFunc;
    expect(tf.getKernel('Conv2DBackpropFilter', 'tensorflow')?.kernelFunc).toBe(own('Conv2DBackpropFilter', 'conv2DBackpropFilterConfig'));
    expect(tf.getKernel('Conv2DBackpropInput', 'tensorflow')?.kernelFunc).toBe(own('Conv2DBackpropInput', 'conv2DBackpropInputConfig'));
    expect(tf.getKernel('AddN', 'tensorflow')?.kernelFunc).toBe(own('AddN', 'addNConfig'));
  });

  it("Step (the ReLU gradient's), rebuilt from fewer TensorFlow ops, has tfjs-node's values, NaN and ±∞ included; no leaks", async () => {
    const require = createRequire(path.join(ROOT, 'package.json'));
    const own = (require('@tensorflow/tfjs-node/dist/kernels/Step') as Record<string, tf.KernelConfig>).stepConfig!.kernelFunc;
    expect(tf.getKernel('Step', 'tensorflow')?.kernelFunc).not.toBe(own);
    const values = [-2, -0, 0, 1e-30, 3, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
    const x = tf.tensor1d(values);
    const before = tf.memory().numTensors;
    for (const alpha of [0, 0.25]) {
      // tfjs-node's definition: 1 where x > 0, NaN where x is NaN, alpha elsewhere.
      const want = values.map((v) => (Number.isNaN(v) ? Number.NaN : v > 0 ? 1 : alpha));
      const got = tf.step(x, alpha);
      expect(Array.from(await got.data())).toEqual(want);
      got.dispose();
    }
    const relu = tf.grad((t: tf.Tensor) => tf.sum(tf.relu(t)))(x);
    expect(Array.from(await relu.data())).toEqual([0, 0, 0, 1, 1, Number.NaN, 1, 0]);
    relu.dispose();
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });

  it('tfjs-core still refuses gradients of dilated conv2d there; the space-to-batch form gives them, equal to cpu', async () => {
    const x = tf.tensor4d(seededValues(1 * 13 * 11 * 3, 5), [1, 13, 11, 3]);
    const w = tf.tensor4d(seededValues(3 * 3 * 3 * 4, 6), [3, 3, 3, 4]);
    expect(() => tf.grad((f: tf.Tensor) => tf.sum(tf.conv2d(x, f as tf.Tensor4D, 1, 'same', 'NHWC', [2, 2])))(w)).toThrow(/dilation/);
    const gradients = async (): Promise<Float32Array[]> => {
      const [dx, dw] = tf.grads((a: tf.Tensor, f: tf.Tensor) => tf.sum(tf.square(atrousConv2d(a as tf.Tensor4D, f as tf.Tensor4D, 2))))([
        x,
        w,
      ]);
      const out = [(await dx!.data()) as Float32Array, (await dw!.data()) as Float32Array];
      tf.dispose([dx!, dw!]);
      return out;
    };
    const onTensorflow = await gradients();
    await loadBackend('cpu');
    const onCpu = await gradients();
    await loadBackend('tensorflow');
    tf.dispose([x, w]);
    for (let k = 0; k < 2; k++) expect(relMax(onTensorflow[k]!, onCpu[k]!)).toBeLessThan(1e-5);
  });

  it(`one training step of every case: loss and updated weights within ${TOLERANCE}`, async () => {
    const diffs = [];
    for (const c of CONFORMANCE_CASES) {
      const step = await runTrainingStep(c);
      expect(step.backend).toBe('tensorflow');
      const reference = cpu.get(c.name)!;
      diffs.push({ diff: compareSteps(reference, step), reference, step });
    }
    report.trainingStep = diffs.map(({ diff, step, reference }) => ({
      ...diff,
      cpuStepMs: Math.round(reference.warmStepMs ?? reference.stepMs),
      stepMs: Math.round(step.stepMs),
      warmStepMs: step.warmStepMs && Math.round(step.warmStepMs),
    }));
    for (const { diff, reference } of diffs) expectConformant(diff, reference);
  });

  it(`inference: training-graph logits, folded logits, multi-scale probabilities within ${TOLERANCE}`, async () => {
    const t0 = performance.now();
    const outputs = await crossBackendOutputs();
    const seconds = (performance.now() - t0) / 1000;
    const probs = cpuOutputs.probabilities;
    expect(probs.filter((p) => p > 0.05 && p < 0.95).length / probs.length).toBeGreaterThan(0.2);
    const diffs: Record<string, number> = {};
    for (const key of ['forward', 'folded', 'probabilities'] as const) diffs[key] = relMax(outputs[key], cpuOutputs[key]);
    report.inference = { seconds: Math.round(seconds * 100) / 100, maxRelativeDiff: diffs };
    for (const [key, d] of Object.entries(diffs)) expect(d, key).toBeLessThan(TOLERANCE);
  });

  it(`f-BRS (8 steps, two clicks): probabilities, losses and scales within ${TOLERANCE}`, async () => {
    const brs = await fbrsOutputs();
    const diffs = {
      plain: relMax(brs.plain, cpuBrs.plain),
      refined: relMax(brs.refined, cpuBrs.refined),
      losses: relMax(brs.losses, cpuBrs.losses),
      scale: relMax(brs.scale, cpuBrs.scale),
    };
    report.fbrs = { maxRelativeDiff: diffs, losses: brs.losses.map((l) => Math.round(l * 1e4) / 1e4) };
    // The refinement really moved something, so the comparison means something.
    expect(relMax(cpuBrs.refined, cpuBrs.plain)).toBeGreaterThan(1e-2);
    for (const [key, d] of Object.entries(diffs)) expect(d, key).toBeLessThan(TOLERANCE);
  });
});
