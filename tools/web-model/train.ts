/**
 * Trains the small interactive model that ships with examples/web-select, with the project's
 * own building blocks: synthetic images from @objsel/voc-data, Xu et al.'s training clicks and
 * the click robot from @objsel/clicks, the DeepLab-v2 network, Adam and checkpoint writer from
 * @objsel/deeplab-resnet, the seed's weighted sigmoid loss (pos_weight 5). Runs on wasm in Node
 * (bundled and started by train.mjs). Writes the objsel weights format (model.json + shards)
 * and prints one JSON summary line: steps, time, and NoC / IoU of the robot on held-out images.
 *
 * Flags: --steps N (600) --batch B (8) --lr LR (2e-3) --images N (400) --val-images N (30)
 * --seed S (1) --minutes M (stop early after M minutes, default none) --out DIR
 * (examples/web-select/public/models/synthetic-interactive) --backend wasm|cpu.
 */
import '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs-core';
import fs from 'node:fs/promises';
import path from 'node:path';
import { AdamOptimizer, DeepLabResNet, loadBackend, polyLearningRate, writeWeightsTo, type BackendName } from '@objsel/deeplab-resnet';
import { renderSyntheticSample, type SyntheticSample } from '@objsel/voc-data';
import { buildInteractiveInput, createPredictor, createRng, nextClick, runRobot, sampleClicks, type Click, type NegativeStrategy, type Rng } from '@objsel/clicks';
import { MODEL_CONFIG, MODEL_LONG_SIDE, SAMPLE_INDEX, SYNTHETIC_OPTIONS } from '../../examples/web-select/src/model/domain';
import { clickMapScale, modelSize, networkInput, resizeMask, type Size } from '../../examples/web-select/src/model/input';
import { weightedSigmoidLoss } from '../../examples/web-select/src/model/loss';
import { inferenceNetwork, segmentFunction } from '../../examples/web-select/src/model/predict';

interface Options {
  steps: number;
  batch: number;
  lr: number;
  images: number;
  valImages: number;
  seed: number;
  minutes: number;
  out: string;
  backend: BackendName;
  /** Print the slowest kernels of one training step and stop. */
  profile: boolean;
}

function parseArgs(argv: string[]): Options {
  const o: Options = {
    steps: 600,
    batch: 8,
    lr: 2e-3,
    images: 400,
    valImages: 30,
    seed: 1,
    minutes: Infinity,
    out: 'examples/web-select/public/models/synthetic-interactive',
    backend: 'wasm',
    profile: false,
  };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i]!.replace(/^--/, '');
    const value = argv[i + 1];
    if (value === undefined) throw new Error(`--${key} needs a value`);
    switch (key) {
      case 'steps': o.steps = Number(value); break;
      case 'batch': o.batch = Number(value); break;
      case 'lr': o.lr = Number(value); break;
      case 'images': o.images = Number(value); break;
      case 'val-images': o.valImages = Number(value); break;
      case 'seed': o.seed = Number(value); break;
      case 'minutes': o.minutes = Number(value); break;
      case 'out': o.out = value; break;
      case 'backend': o.backend = value as BackendName; break;
      case 'profile': o.profile = value === 'true'; break;
      default: throw new Error(`unknown flag --${key}`);
    }
  }
  return o;
}

/** One object of one rendered image: its 0/1 mask at full size. */
interface ObjectRef {
  sample: SyntheticSample;
  id: number;
  mask: Uint8Array;
}

/** Objects large enough to click at model size (at least 12 model pixels). */
function objectsOf(sample: SyntheticSample): ObjectRef[] {
  const { width, height } = sample.image;
  const minArea = 12 / clickMapScale({ width, height }) ** 2;
  return sample.objects
    .filter((o) => o.area >= minArea)
    .map((o) => ({ sample, id: o.instanceId, mask: Uint8Array.from(sample.objectLabelNoVoid, (v) => (v === o.instanceId ? 1 : 0)) }))
    .filter((r) => r.mask.some((v) => v));
}

/**
 * Training clicks for one object. A third of the time the robot's first click (the deepest
 * interior point: what a user and the NoC protocol do first); otherwise a random subset of an
 * Xu et al. sample (1..5 positives; no negatives 40% of the time, else 1..n of strategy 1, 2 or
 * 3), so the network sees first clicks and corrections.
 */
function trainingClicks(obj: ObjectRef, rng: Rng): Click[] {
  const { width, height } = obj.sample.image;
  if (rng.next() < 1 / 3) return [nextClick(obj.mask, new Uint8Array(obj.mask.length), width, height)!];
  const others = obj.sample.objects.length > 1;
  const strategies: NegativeStrategy[] = others ? [1, 2, 3] : [1, 3];
  const strategy = strategies[rng.int(strategies.length)]!;
  const scale = 1 / clickMapScale({ width, height });
  const s = sampleClicks(obj.sample.objectLabelNoVoid, width, height, obj.id, strategy, {
    rng,
    nPositive: 5,
    nNegative: 10,
    nNegative3: 6,
    dMargin: Math.round(3 * scale),
    d: Math.round(16 * scale),
    dStep: Math.round(4 * scale),
  });
  const positives = s.positive.slice(0, 1 + rng.int(Math.max(1, s.positive.length)));
  const negatives = rng.next() < 0.4 || s.negative.length === 0 ? [] : s.negative.slice(0, 1 + rng.int(s.negative.length));
  return [...positives.map((p) => ({ ...p, positive: true })), ...negatives.map((p) => ({ ...p, positive: false }))];
}

/** One training batch at model size: network inputs and object labels. */
function makeBatch(pool: ObjectRef[], batch: number, rng: Rng): { x: Float32Array; y: Float32Array; size: Size } {
  const first = pool[0]!.sample.image;
  const full: Size = { width: first.width, height: first.height };
  const size = modelSize(full);
  const n = size.width * size.height;
  const x = new Float32Array(batch * n * 5);
  const y = new Float32Array(batch * n);
  for (let b = 0; b < batch; b++) {
    const obj = pool[rng.int(pool.length)]!;
    const clicks = trainingClicks(obj, rng);
    const raw = buildInteractiveInput(obj.sample.image, clicks, { scale: clickMapScale(full), truncate: 255 });
    x.set(networkInput(raw, full, size), b * n * 5);
    y.set(resizeMask(obj.mask, full, size), b * n);
  }
  return { x, y, size };
}

/** slim's moving-average update of BatchNorm statistics (as the package's Trainer does under --is-training). */
function updateMovingStatistics(model: DeepLabResNet, stats: Array<{ layer: string; mean: tf.Tensor; variance: tf.Tensor }>, decay: number): void {
  tf.tidy(() => {
    for (const s of stats) {
      for (const [suffix, value] of [['moving_mean', s.mean], ['moving_variance', s.variance]] as const) {
        const v = model.variables.get(`${s.layer}/${suffix}`)!;
        v.assign(tf.sub(v, tf.mul(tf.sub(v, value), 1 - decay)));
      }
    }
  });
}

/** The robot on held-out images: IoU after 1 click, NoC@85/90 (max 10 clicks), with graph cut and without. */
async function evaluate(model: DeepLabResNet, objects: ObjectRef[]): Promise<Record<string, number>> {
  const network = inferenceNetwork(model);
  const segment = segmentFunction(network);
  const out: Record<string, number> = {};
  for (const refine of ['none', 'graphcut'] as const) {
    let iou1 = 0;
    let noc85 = 0;
    let noc90 = 0;
    for (const obj of objects) {
      const { width, height } = obj.sample.image;
      const predict = createPredictor(obj.sample.image, segment, { refine, scale: clickMapScale({ width, height }), truncate: 255 });
      const run = await runRobot(obj.mask, width, height, predict, { maxClicks: 10, iouThresholds: [0.85, 0.9] });
      iou1 += run.ious[0]!;
      noc85 += run.noc[0]!;
      noc90 += run.noc[1]!;
    }
    out[`${refine}_iou1`] = iou1 / objects.length;
    out[`${refine}_noc85`] = noc85 / objects.length;
    out[`${refine}_noc90`] = noc90 / objects.length;
  }
  network.dispose();
  return out;
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  tf.enableProdMode();
  const backend = await loadBackend(o.backend);
  const t0 = Date.now();
  const log = (obj: Record<string, unknown>) => process.stderr.write(`${JSON.stringify(obj)}\n`);

  const render = (i: number) => renderSyntheticSample(i, SYNTHETIC_OPTIONS);
  const train = Array.from({ length: o.images }, (_, i) => render(i)).flatMap(objectsOf);
  // Held out: images after the training range, never the page's sample.
  const val = Array.from({ length: o.valImages }, (_, i) => render(o.images + 1000 + i))
    .filter((s) => s.id !== render(SAMPLE_INDEX).id)
    .flatMap(objectsOf);
  log({ event: 'data', trainObjects: train.length, valObjects: val.length, renderSeconds: (Date.now() - t0) / 1000 });

  const model = DeepLabResNet.create(MODEL_CONFIG, { seed: o.seed });
  // From scratch: every variable except the moving statistics trains, BatchNorm on batch statistics.
  const names = [...model.variables.entries()].filter(([, v]) => v.trainable).map(([n]) => n);
  const vars = names.map((n) => model.variables.get(n)!);
  const keyOf = new Map(names.map((n) => [model.variables.get(n)!.name, n]));
  const optimizer = new AdamOptimizer(model.variables, names);
  const rng = createRng(o.seed * 7919 + 13);
  if (o.profile) {
    const { x, size } = makeBatch(train, o.batch, rng);
    const xt = tf.tensor4d(x, [o.batch, size.height, size.width, 5]);
    const once = () => {
      const { value, grads } = tf.variableGrads(() => tf.mean(model.forward(xt, { trainBatchNorm: true }).logits) as tf.Scalar, vars);
      tf.dispose([value, grads]);
    };
    once();
    const profile = await tf.profile(once);
    const byKernel = new Map<string, number>();
    for (const k of profile.kernels) byKernel.set(k.name, (byKernel.get(k.name) ?? 0) + (k.kernelTimeMs as number));
    log({ event: 'profile', kernels: [...byKernel].sort((a, b) => b[1] - a[1]).slice(0, 15).map(([k, ms]) => `${k} ${ms.toFixed(0)}ms`) });
    return;
  }
  const deadline = t0 + o.minutes * 60_000;
  let steps = 0;
  let recent = 0;
  let batchMs = 0;
  let stepMs = 0;
  const tensorsBefore = tf.memory().numTensors;
  for (; steps < o.steps && Date.now() < deadline; steps++) {
    const b0 = Date.now();
    const { x, y, size } = makeBatch(train, o.batch, rng);
    const s0 = Date.now();
    batchMs += s0 - b0;
    const xt = tf.tensor4d(x, [o.batch, size.height, size.width, 5]);
    const yt = tf.tensor4d(y, [o.batch, size.height, size.width, 1]);
    const stats: Array<{ layer: string; mean: tf.Tensor; variance: tf.Tensor }> = [];
    const { value, grads } = tf.variableGrads(() => {
      const out = model.forward(xt, { trainBatchNorm: true });
      for (const s of out.batchStats ?? []) stats.push({ layer: s.layer, mean: tf.keep(s.mean), variance: tf.keep(s.variance) });
      const up = tf.image.resizeBilinear(out.logits, [size.height, size.width]);
      return weightedSigmoidLoss(up, yt, null, 5);
    }, vars);
    optimizer.apply(new Map(Object.entries(grads).map(([k, g]) => [keyOf.get(k) ?? k, g])), polyLearningRate(o.lr, steps, o.steps, 0.9));
    updateMovingStatistics(model, stats, 0.99);
    const loss = (await value.data())[0]!;
    tf.dispose([xt, yt, value, grads, ...stats.flatMap((s) => [s.mean, s.variance])]);
    stepMs += Date.now() - s0;
    recent = steps === 0 ? loss : 0.95 * recent + 0.05 * loss;
    if ((steps + 1) % 25 === 0 || steps < 3) {
      const k = Math.min(25, steps + 1);
      log({ event: 'step', step: steps + 1, loss: Number(recent.toFixed(4)), seconds: Math.round((Date.now() - t0) / 1000), batchMs: Math.round(batchMs / k), stepMs: Math.round(stepMs / k), tensors: tf.memory().numTensors - tensorsBefore });
      batchMs = 0;
      stepMs = 0;
    }
  }
  optimizer.dispose();
  const trainSeconds = (Date.now() - t0) / 1000;
  const metrics = await evaluate(model, val);
  const meta = {
    ...model.meta(),
    training: {
      by: 'tools/web-model/train.ts',
      data: `voc-data synthetic, ${o.images} images ${SYNTHETIC_OPTIONS.width}x${SYNTHETIC_OPTIONS.height}, seed ${SYNTHETIC_OPTIONS.seed}`,
      modelLongSide: MODEL_LONG_SIDE,
      loss: 'weighted sigmoid cross-entropy, pos_weight 5',
      optimizer: `Adam, lr ${o.lr} poly 0.9, batch ${o.batch}`,
      steps,
      backend: backend.name,
      seconds: Math.round(trainSeconds),
      validation: Object.fromEntries(Object.entries(metrics).map(([k, v]) => [k, Number(v.toFixed(4))])),
      validationObjects: val.length,
    },
  };
  const entries = await model.toWeightEntries();
  await fs.rm(o.out, { recursive: true, force: true });
  await writeWeightsTo(fs, o.out, entries, meta, 'tools/web-model/train.ts');
  const bytes = (await fs.readdir(o.out)).length;
  process.stdout.write(`${JSON.stringify({ out: path.resolve(o.out), files: bytes, parameters: model.parameterCount(), steps, trainSeconds: Math.round(trainSeconds), ...metrics })}\n`);
  model.dispose();
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
