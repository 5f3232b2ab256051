import type { Command } from 'commander';
import type { CliContext } from '../context';
import { withExamples } from '../examples';
import { crfRefinerFromFlag } from '../crf-refiner';
import { inferJob } from '../jobs/infer-job';
import { addInferOptions, type InferFlags, inferPlan } from '../jobs/infer-plan';
import { runJob } from '../jobs/run-job';
import { addShardFlag, shardFromFlag } from '../jobs/shard';

/** `objsel infer`: inference.py (+ evaluate_msc.py's scales and the crf branch's `--crf`) on images. */
export function registerInfer(program: Command, context: () => CliContext): void {
  const base = program
    .command('infer')
    .description(
      'segment images: BGR minus the mean, fc1_voc12 logits, bilinear upsampling, argmax; writes <name>_mask.png (VOC palette) and <name>_overlay.png (inference.py)',
    );
  const cmd = addShardFlag(addInferOptions(base));
  cmd.action(async (positionals: string[], flags: InferFlags & { shard?: string }) => {
    const ctx = context();
    const { settings, items } = inferPlan(positionals, flags);
    const shard = shardFromFlag(flags.shard);
    await crfRefinerFromFlag(settings.crf); // a bad --crf preset is refused before the network loads
    await runJob(ctx, inferJob, settings, items, shard);
  });
  withExamples(cmd, [
    'objsel infer misc/2007_000129.jpg --weights deeplab_resnet --save-dir output',
    'objsel infer misc/2007_000129.jpg deeplab_resnet --num-classes 21   # inference.py IMAGE MODEL_WEIGHTS',
    'objsel infer photos/*.jpg --weights deeplab_resnet --scales 1,0.75,0.5 --crf',
    'objsel infer cat.jpg --weights deeplab_resnet --save-logits cat_logits.npy --bn-epsilon 0.001 --backend cpu --json',
    'objsel infer cat.jpg --weights deeplab_resnet --save-probs cat_probs.npy && objsel crf --image cat.jpg --probs cat_probs.npy --out cat_crf.png',
    'objsel infer cat.jpg --weights deeplab_resnet --backend onnx   # ONNX Runtime (npm install onnxruntime-node)',
    'objsel infer photos/*.jpg --weights deeplab_resnet --save-dir out --shard 0/4 --json > shard0.json   # one of 4 machines',
  ]);
}
