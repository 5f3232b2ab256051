/**
 * Trains the small interactive model that ships with examples/web-select, with the project's
 * own pipeline (run in-process through @objsel/cli):
 *
 * 1. `objsel data make-synthetic` writes the synthetic VOC-format domain (voc-data's renderer)
 *    with the example's options (domain.ts);
 * 2. `objsel train --interactive --from-scratch` trains DeepLab-v2 with the example's network
 *    shape on it: fresh Xu et al. clicks every epoch (@objsel/clicks), random click subsets,
 *    click maps in model pixels (`--click-scale`), every sample resized to the model size, the
 *    seed's weighted sigmoid loss (pos_weight 5), batch-statistics BatchNorm, on wasm;
 * 3. the click robot (NoC protocol, @objsel/clicks) runs on held-out renders through the app's
 *    own segment path (input.ts + predict.ts), with and without graph cut;
 * 4. the last checkpoint's weights are written in the objsel format with the run's settings
 *    and the robot's numbers in `objsel.training`.
 *
 * Prints JSON lines (progress from the CLI on stderr, the summary on stdout). Flags: --steps N
 * (1000) --batch B (8) --lr LR (0.005) --images N (400) --val-images N (30) --seed S (1)
 * --out DIR (examples/web-select/public/models/synthetic-interactive) --work DIR
 * (.objsel-tmp/web-model-run) --resume (continue the run in --work, e.g. with more --steps)
 * --eval-only (evaluate and export the run's latest checkpoint).
 */
import '@tensorflow/tfjs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { DeepLabResNet, findLatestCheckpoint, readWeightsFrom, writeWeightsTo } from '@objsel/deeplab-resnet';
import { renderSyntheticSample } from '@objsel/voc-data';
import { createPredictor, runRobot } from '@objsel/clicks';
import { main as objsel } from '@objsel/cli';
import { MODEL_CONFIG, MODEL_LONG_SIDE, SAMPLE_INDEX, SYNTHETIC_OPTIONS } from '../../examples/web-select/src/model/domain';
import { clickMapScale, modelSize } from '../../examples/web-select/src/model/input';
import { SelectionModel, segmentFunction } from '../../examples/web-select/src/model/predict';

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined && !process.argv[i + 1]!.startsWith('--') ? process.argv[i + 1]! : fallback;
}

/** Runs one `objsel` command in-process; throws on a non-zero exit. */
async function run(args: string[]): Promise<void> {
  process.stderr.write(`$ objsel ${args.join(' ')}\n`);
  const code = await objsel(['node', 'objsel', ...args], { stdout: process.stderr, stderr: process.stderr });
  if (code !== 0) throw new Error(`objsel ${args[0]} exited with ${code}`);
}

/** The click robot on held-out renders, through the app's segment path. */
async function robot(model: DeepLabResNet, images: number): Promise<Record<string, number>> {
  const selection = new SelectionModel(model);
  const segment = segmentFunction(selection);
  const sums: Record<string, number> = {};
  let objects = 0;
  for (let i = 0; i < images; i++) {
    const index = 900_000 + i;
    if (index === SAMPLE_INDEX) continue;
    const s = renderSyntheticSample(index, SYNTHETIC_OPTIONS);
    const { width, height } = s.image;
    for (const o of s.objects) {
      const gt = Uint8Array.from(s.objectLabelNoVoid, (v) => (v === o.instanceId ? 1 : 0));
      if (gt.reduce((a, v) => a + v, 0) < 100) continue;
      objects++;
      for (const refine of ['none', 'graphcut'] as const) {
        const predict = createPredictor(s.image, segment, { refine, scale: clickMapScale({ width, height }), truncate: 255 });
        const r = await runRobot(gt, width, height, predict, { maxClicks: 10, iouThresholds: [0.85, 0.9] });
        sums[`${refine}_iou1`] = (sums[`${refine}_iou1`] ?? 0) + r.ious[0]!;
        sums[`${refine}_noc85`] = (sums[`${refine}_noc85`] ?? 0) + r.noc[0]!;
        sums[`${refine}_noc90`] = (sums[`${refine}_noc90`] ?? 0) + r.noc[1]!;
      }
    }
  }
  selection.dispose();
  return { objects, ...Object.fromEntries(Object.entries(sums).map(([k, v]) => [k, Number((v / objects).toFixed(4))])) };
}

async function main(): Promise<void> {
  const steps = Number(flag('steps', '1000'));
  const batch = flag('batch', '8');
  const lr = flag('lr', '0.005');
  const images = flag('images', '400');
  const valImages = Number(flag('val-images', '30'));
  const seed = flag('seed', '1');
  const out = flag('out', 'examples/web-select/public/models/synthetic-interactive');
  const work = flag('work', '.objsel-tmp/web-model-run');
  const resume = process.argv.includes('--resume');
  const evalOnly = process.argv.includes('--eval-only');
  const data = path.join(work, 'data');
  const snapshots = path.join(work, 'snapshots');
  const t0 = Date.now();
  const o = SYNTHETIC_OPTIONS;

  if (!resume && !evalOnly) {
    await fs.rm(work, { recursive: true, force: true });
    await run(['data', 'make-synthetic', '--out', data, '--count', images, '--seed', String(o.seed), '--width', String(o.width), '--height', String(o.height),
      '--classes', String(o.classes), '--min-objects', String(o.minObjects), '--max-objects', String(o.maxObjects), '--min-size', String(o.minSize),
      '--max-size', String(o.maxSize), '--void-border', String(o.voidBorder), '--val-fraction', '0.1', '--no-sbd']);
  }
  const size = modelSize({ width: o.width!, height: o.height! });
  const c = MODEL_CONFIG;
  const trainArgs = ['--backend', 'wasm', '--json', 'train', '--interactive', '--from-scratch', '--depth', '50', '--blocks', c.blocks.join(','),
    '--width-multiplier', String(c.widthMultiplier), '--aspp-rates', c.asppRates.join(','), '--data-dir', data, '--data-list', path.join(data, 'train.txt'),
    '--input-size', `${size.height},${size.width}`, '--resize-mode', 'resize', '--click-scale', String(clickMapScale({ width: o.width!, height: o.height! })),
    '--click-subsets', '--is-training', '--bn-decay', '0.99', '--batch-size', batch, '--learning-rate', lr, '--schedule', 'poly', '--loss-scale', '1',
    '--weight-decay', '0.0001', '--num-steps', String(steps), '--save-pred-every', '250', '--keep', '2', '--random-seed', seed, '--snapshot-dir', snapshots];
  if (!evalOnly) await run(resume ? [...trainArgs, '--resume'] : trainArgs);
  const trainSeconds = (Date.now() - t0) / 1000;

  const latest = await findLatestCheckpoint(fs, snapshots);
  if (!latest) throw new Error(`no checkpoint in ${snapshots}`);
  const { modelJson, entries } = await readWeightsFrom(fs, latest.path);
  const model = DeepLabResNet.fromWeights(entries, modelJson.objsel);
  const validation = await robot(model, valImages);
  const meta = {
    ...model.meta(),
    training: {
      by: 'tools/web-model/train.ts: objsel data make-synthetic + objsel train --interactive',
      command: `objsel ${trainArgs.join(' ').replaceAll(work, '<work>')}`,
      data: `voc-data synthetic, ${images} images ${o.width}x${o.height}, seed ${o.seed}`,
      modelLongSide: MODEL_LONG_SIDE,
      steps: latest.step,
      ...(evalOnly ? {} : { seconds: Math.round(trainSeconds) }),
      robot: { protocol: 'NoC robot on held-out renders (index 900000+), max 10 clicks', ...validation },
    },
  };
  await fs.rm(out, { recursive: true, force: true });
  await writeWeightsTo(fs, out, entries, meta, 'tools/web-model/train.ts');
  process.stdout.write(`${JSON.stringify({ out: path.resolve(out), parameters: model.parameterCount(), steps: latest.step, trainSeconds: Math.round(trainSeconds), ...validation })}\n`);
  model.dispose();
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
