/**
 * Trains the small interactive model that ships with examples/web-select, with the project's
 * building blocks: synthetic images from @objsel/voc-data's renderer, Xu et al.'s training
 * clicks and the click robot from @objsel/clicks, and deeplab-resnet's `InteractiveTrainer`
 * (DeepLab-v2 forward, deep-interactive's weighted sigmoid cross-entropy with pos_weight 5 on labels
 * nearest-resized to the logits, gradients, optimiser, BatchNorm statistics) on wasm. Inputs go
 * through the app's own path (full-size click maps in model pixels, shrunk to model size, then
 * `preprocessInteractive`, all from `@objsel/deeplab-resnet/interactive`), so the model sees in
 * training what the page gives it.
 *
 * Adam (not deep-interactive's momentum): from scratch at this size momentum SGD did not get below the
 * trivial loss in 40 steps at any rate tried (see the README), Adam does in 25.
 *
 * After training, the click robot (NoC protocol) runs on held-out renders through the app's
 * segment path, with and without graph cut; the weights are written in the objsel format with
 * the settings and the robot's numbers in `objsel.training`. Progress goes to stderr as JSON
 * lines, the summary to stdout.
 *
 * Flags: --steps N (800) --batch B (8) --lr LR (2e-3, poly 0.9) --images N (400) --val-images N
 * (30) --seed S (1) --minutes M (stop early) --out DIR
 * (examples/web-select/public/models/synthetic-interactive) --init DIR (continue from weights).
 */
import '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs-core';
import { readWeightsDir, writeWeightsDir } from '@objsel/caffe-import/node';
import path from 'node:path';
import { DeepLabResNet, loadBackend } from '@objsel/deeplab-resnet';
import {
  InteractiveSegmenter,
  InteractiveTrainer,
  clickMapScale,
  createInteractivePredictor,
  modelSize,
  preprocessInteractive,
  resizeMask,
  shrinkInput,
  type Size,
} from '@objsel/deeplab-resnet/interactive';
import { renderSyntheticSample, type SyntheticSample } from '@objsel/voc-data';
import {
  buildInteractiveInput,
  createClickRng,
  nextClick,
  runRobot,
  sampleClicks,
  type Click,
  type NegativeStrategy,
  type ClickRng,
} from '@objsel/clicks';
import { CLICK_MAP_TRUNCATE, MODEL_CONFIG, MODEL_LONG_SIDE, SAMPLE_INDEX, SYNTHETIC_OPTIONS, renderedDomain } from './domain';

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined && !process.argv[i + 1]!.startsWith('--') ? process.argv[i + 1]! : fallback;
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
  const minArea = 12 / clickMapScale({ width, height }, MODEL_LONG_SIDE) ** 2;
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
function trainingClicks(obj: ObjectRef, rng: ClickRng): Click[] {
  const { width, height } = obj.sample.image;
  if (rng.next() < 1 / 3) return [nextClick(obj.mask, new Uint8Array(obj.mask.length), width, height)!];
  const strategies: NegativeStrategy[] = obj.sample.objects.length > 1 ? [1, 2, 3] : [1, 3];
  const strategy = strategies[rng.int(strategies.length)]!;
  const px = 1 / clickMapScale({ width, height }, MODEL_LONG_SIDE); // full-size pixels per model pixel
  const s = sampleClicks(obj.sample.objectLabelNoVoid, width, height, obj.id, strategy, {
    rng,
    nPositive: 5,
    nNegative: 10,
    nNegative3: 6,
    dMargin: Math.round(3 * px),
    d: Math.round(16 * px),
    dStep: Math.round(4 * px),
  });
  const positives = s.positive.slice(0, 1 + rng.int(Math.max(1, s.positive.length)));
  const negatives = rng.next() < 0.4 || s.negative.length === 0 ? [] : s.negative.slice(0, 1 + rng.int(s.negative.length));
  return [...positives.map((p) => ({ ...p, positive: true })), ...negatives.map((p) => ({ ...p, positive: false }))];
}

/** One batch for `InteractiveTrainer`: preprocessed 5-channel inputs and 0/1 labels at model size. */
function makeBatch(pool: ObjectRef[], batch: number, rng: ClickRng) {
  const first = pool[0]!.sample.image;
  const full: Size = { width: first.width, height: first.height };
  const size = modelSize(full, MODEL_LONG_SIDE);
  const n = size.width * size.height;
  const images = new Float32Array(batch * n * 5);
  const labels = new Uint8Array(batch * n);
  for (let b = 0; b < batch; b++) {
    const obj = pool[rng.int(pool.length)]!;
    const raw = buildInteractiveInput(obj.sample.image, trainingClicks(obj, rng), {
      scale: clickMapScale(full, MODEL_LONG_SIDE),
      truncate: CLICK_MAP_TRUNCATE,
    });
    images.set(preprocessInteractive(shrinkInput(raw, full, size), size.height, size.width), b * n * 5);
    labels.set(resizeMask(obj.mask, full, size), b * n);
  }
  return { images, labels, batchSize: batch, height: size.height, width: size.width };
}

/** The click robot on held-out renders, through the app's predictor (model size, click maps in model pixels). */
async function robot(model: DeepLabResNet, images: number): Promise<Record<string, number>> {
  const segmenter = InteractiveSegmenter.fromModel(model);
  const sums: Record<string, number> = {};
  let objects = 0;
  for (let i = 0; i < images; i++) {
    const index = 900_000 + i;
    if (index === SAMPLE_INDEX) continue;
    const s = renderSyntheticSample(index, SYNTHETIC_OPTIONS);
    const { width, height } = s.image;
    for (const o of objectsOf(s)) {
      objects++;
      for (const refine of ['none', 'graphcut'] as const) {
        const predict = createInteractivePredictor(s.image, segmenter, {
          refine,
          clickScale: clickMapScale({ width, height }, MODEL_LONG_SIDE),
          clickTruncate: CLICK_MAP_TRUNCATE,
          modelLongSide: MODEL_LONG_SIDE,
        });
        const r = await runRobot(o.mask, width, height, async (clicks) => (await predict(clicks)).mask, {
          maxClicks: 10,
          iouThresholds: [0.85, 0.9],
        });
        sums[`${refine}_iou1`] = (sums[`${refine}_iou1`] ?? 0) + r.ious[0]!;
        sums[`${refine}_noc85`] = (sums[`${refine}_noc85`] ?? 0) + r.noc[0]!;
        sums[`${refine}_noc90`] = (sums[`${refine}_noc90`] ?? 0) + r.noc[1]!;
      }
    }
  }
  segmenter.dispose();
  return { objects, ...Object.fromEntries(Object.entries(sums).map(([k, v]) => [k, Number((v / objects).toFixed(4))])) };
}

async function main(): Promise<void> {
  const steps = Number(flag('steps', '800'));
  const batch = Number(flag('batch', '8'));
  const lr = Number(flag('lr', '2e-3'));
  const images = Number(flag('images', '400'));
  const valImages = Number(flag('val-images', '30'));
  const seed = Number(flag('seed', '1'));
  const minutes = Number(flag('minutes', 'Infinity'));
  const out = flag('out', 'examples/web-select/public/models/synthetic-interactive');
  const init = flag('init', '');
  tf.enableProdMode();
  const backend = await loadBackend('wasm');
  const t0 = Date.now();
  const log = (o: Record<string, unknown>) => process.stderr.write(`${JSON.stringify(o)}\n`);

  const train = Array.from({ length: images }, (_, i) => renderSyntheticSample(i, SYNTHETIC_OPTIONS)).flatMap(objectsOf);
  log({ event: 'data', images, objects: train.length, seconds: (Date.now() - t0) / 1000 });

  let model: DeepLabResNet;
  let previous: unknown;
  if (init) {
    const { modelJson, entries } = await readWeightsDir(init);
    model = DeepLabResNet.fromWeights(entries, modelJson.objsel);
    previous = modelJson.objsel.training;
  } else {
    model = DeepLabResNet.create(MODEL_CONFIG, { seed });
  }
  const settings = {
    numSteps: steps,
    learningRate: lr,
    schedule: 'poly',
    power: 0.9,
    optimizer: 'adam',
    weightDecay: 1e-4,
    posWeight: 5,
    lossScale: 1,
    trainable: 'full',
    lrMultipliers: false,
    trainBatchNorm: true,
    bnDecay: 0.99,
  } as const;
  const trainer = new InteractiveTrainer(model, settings);
  const rng = createClickRng(seed * 7919 + 13);
  const deadline = t0 + minutes * 60_000;
  const tensors = tf.memory().numTensors;
  let smoothed = 0;
  let done = 0;
  while (done < steps && Date.now() < deadline) {
    const r = await trainer.trainStep(makeBatch(train, batch, rng));
    done = r.step;
    smoothed = done === 1 ? r.crossEntropy : 0.95 * smoothed + 0.05 * r.crossEntropy;
    if (done % 25 === 0 || done === 1)
      log({
        event: 'step',
        step: done,
        crossEntropy: Number(smoothed.toFixed(4)),
        lr: r.learningRate,
        seconds: Math.round((Date.now() - t0) / 1000),
        tensors: tf.memory().numTensors - tensors,
      });
  }
  trainer.dispose();
  const trainSeconds = (Date.now() - t0) / 1000;
  const validation = await robot(model, valImages);
  const meta = {
    ...model.meta(),
    domain: renderedDomain(images),
    training: {
      by: 'tools/web-model/train.ts (deeplab-resnet InteractiveTrainer)',
      data: `voc-data synthetic renders 0..${images - 1}, ${SYNTHETIC_OPTIONS.width}x${SYNTHETIC_OPTIONS.height}, seed ${SYNTHETIC_OPTIONS.seed}`,
      clicks: 'robot first click (1/3) or subsets of Xu et al. strategy 1/2/3 samples',
      modelLongSide: MODEL_LONG_SIDE,
      trainer: { ...settings, batchSize: batch },
      steps: done,
      backend: backend.name,
      seconds: Math.round(trainSeconds),
      ...(previous ? { continuedFrom: previous } : {}),
      robot: { protocol: 'NoC robot on held-out renders 900000+, max 10 clicks', ...validation },
    },
  };
  const entries = await model.toWeightEntries();
  await writeWeightsDir(out, entries, meta, { generatedBy: 'tools/web-model/train.ts' }); // replaces `out` whole
  process.stdout.write(
    `${JSON.stringify({ out: path.resolve(out), parameters: model.parameterCount(), steps: done, trainSeconds: Math.round(trainSeconds), ...validation })}\n`,
  );
  model.dispose();
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
