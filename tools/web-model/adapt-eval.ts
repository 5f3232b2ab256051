/**
 * Measures the web example's "adapt to this image" on held-out synthetic renders: the click
 * robot places `--clicks` clicks (NoC protocol, graph-cut refinement as the app's default), then
 * deeplab-resnet's `adaptToClicks` fine-tunes the model on them exactly as the app's worker
 * does, and the IoU with the same clicks is compared before and after. Weights are restored
 * between objects. Prints one JSON line per learning rate.
 *
 * Flags: --weights DIR (the shipped model) --images N (15) --clicks K (2) --steps S (5)
 * --lr LR,LR,... (1e-4,1e-3) --trainable last-layers|full --backend wasm|cpu.
 */
import '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs-core';
import { readWeightsDir } from '@objsel/caffe-import/node';
import { DeepLabResNet, loadBackend, type BackendName } from '@objsel/deeplab-resnet';
import type { TrainableSet } from '@objsel/deeplab-resnet/train';
import {
  InteractiveSegmenter,
  adaptToClicks,
  clickMapScale,
  createInteractivePredictor,
  toModelSize,
} from '@objsel/deeplab-resnet/interactive';
import { renderSyntheticSample } from '@objsel/voc-data';
import { buildInteractiveInput, maskIou, runRobot } from '@objsel/clicks';
import { CLICK_MAP_TRUNCATE, MODEL_LONG_SIDE, SYNTHETIC_OPTIONS } from './domain';

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

async function main(): Promise<void> {
  tf.enableProdMode();
  await loadBackend(flag('backend', 'wasm') as BackendName);
  const dir = flag('weights', 'examples/web-select/public/models/synthetic-interactive');
  const images = Number(flag('images', '15'));
  const clickCount = Number(flag('clicks', '2'));
  const steps = Number(flag('steps', '5'));
  const trainable = flag('trainable', 'last-layers') as TrainableSet;
  const { modelJson, entries } = await readWeightsDir(dir);
  const model = DeepLabResNet.fromWeights(entries, modelJson.objsel);
  const segmenter = InteractiveSegmenter.fromModel(model);
  const restore = () => {
    tf.tidy(() =>
      entries.forEach((e) => {
        model.variables.get(e.name)!.assign(tf.tensor(e.data, e.shape));
      }),
    );
    segmenter.refresh();
  };
  for (const lr of flag('lr', '1e-4,1e-3').split(',').map(Number)) {
    let before = 0;
    let after = 0;
    let objects = 0;
    let seconds = 0;
    for (let i = 0; i < images; i++) {
      const s = renderSyntheticSample(800_000 + i, SYNTHETIC_OPTIONS);
      const full = { width: s.image.width, height: s.image.height };
      const scale = clickMapScale(full, MODEL_LONG_SIDE);
      const predict = createInteractivePredictor(s.image, segmenter, {
        refine: 'graphcut',
        clickScale: scale,
        clickTruncate: CLICK_MAP_TRUNCATE,
        modelLongSide: MODEL_LONG_SIDE,
      });
      for (const o of s.objects) {
        const gt = Uint8Array.from(s.objectLabelNoVoid, (v) => (v === o.instanceId ? 1 : 0));
        if (gt.reduce((a, v) => a + v, 0) < 100) continue;
        restore();
        const run = await runRobot(gt, full.width, full.height, async (clicks) => (await predict(clicks)).mask, {
          maxClicks: clickCount,
          iouThresholds: [1],
        });
        const input = buildInteractiveInput(s.image, run.clicks, { scale, truncate: CLICK_MAP_TRUNCATE });
        const result = await adaptToClicks(model, [toModelSize({ input, ...full, clicks: run.clicks }, MODEL_LONG_SIDE)], {
          steps,
          learningRate: lr,
          trainable,
        });
        segmenter.refresh();
        const { mask } = await predict(run.clicks);
        before += run.ious.at(-1)!;
        after += maskIou(gt, mask);
        seconds += result.seconds;
        objects++;
      }
    }
    process.stdout.write(
      `${JSON.stringify({ lr, clicks: clickCount, steps, trainable, objects, iouBefore: before / objects, iouAfter: after / objects, msPerStep: (1000 * seconds) / (objects * steps) })}\n`,
    );
  }
  segmenter.dispose();
  model.dispose();
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
