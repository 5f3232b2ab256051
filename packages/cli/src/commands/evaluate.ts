import type { Command } from 'commander';
import type { CliContext } from '../context';
import { crfRefinerFromFlag } from '../crf-refiner';
import { withExamples } from '../examples';
import { evaluateJob } from '../jobs/evaluate-job';
import { addEvaluateOptions, type EvaluateFlags, evaluateItems, evaluateSettings } from '../jobs/evaluate-plan';
import { runJob } from '../jobs/run-job';
import { SegmenterPool } from '../jobs/segmenter-pool';
import { addShardFlag, shardFromFlag } from '../jobs/shard';

/** `objsel evaluate`: evaluate.py / evaluate_msc.py (+ the crf branch's `--crf`). */
export function registerEvaluate(program: Command, context: () => CliContext): void {
  const base = program
    .command('evaluate')
    .description(
      'mean IoU of a network on a labelled list: full-size images, bilinear upsampling, argmax, 255 ignored (evaluate.py, evaluate_msc.py)',
    );
  const cmd = addShardFlag(addEvaluateOptions(base));
  cmd.action(async (flags: EvaluateFlags & { shard?: string }) => {
    const ctx = context();
    const { settings, numSteps } = evaluateSettings(flags);
    const shard = shardFromFlag(flags.shard);
    await crfRefinerFromFlag(settings.crf); // a bad --crf preset is refused before the network loads
    // The network first, as evaluate.py: weights that are no segmentation network are the error to report.
    const networks = new SegmenterPool();
    await networks
      .semantic(ctx, settings.weights, settings.bnEpsilon === undefined ? {} : { bnEpsilon: settings.bnEpsilon })
      .catch(async (error) => {
        await networks.dispose();
        throw error;
      });
    await runJob(ctx, evaluateJob, settings, () => evaluateItems(flags, numSteps), shard, networks);
  });
  withExamples(cmd, [
    'objsel evaluate --data-dir ~/VOCdevkit/VOC2012 --data-list dataset/val.txt --weights deeplab_resnet',
    'objsel evaluate --weights snapshots --scales 1,0.75,0.5 --crf --json > miou.json',
    'objsel evaluate --weights snapshots/ckpt-20000 --num-steps 100 --save-dir masks',
    'objsel evaluate --weights deeplab_resnet --backend onnx --json > miou.json',
    'objsel evaluate --weights deeplab_resnet --shard 1/4 --json > shard1.json && objsel merge evaluate shard*.json',
  ]);
}
