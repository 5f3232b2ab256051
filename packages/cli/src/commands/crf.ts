import type { Command } from 'commander';
import type { CliContext } from '../context';
import { withExamples } from '../examples';
import { crfJob } from '../jobs/crf-job';
import { addCrfOptions, type CrfFlags, crfPlan } from '../jobs/crf-plan';
import { runJob } from '../jobs/run-job';
import { addShardFlag, shardFromFlag } from '../jobs/shard';

/** `objsel crf`: fully connected CRF post-processing (pydensecrf in TypeScript), on one image or many. */
export function registerCrf(program: Command, context: () => CliContext): void {
  const base = program
    .command('crf')
    .description('refine a segmentation with a fully connected CRF (Krähenbühl & Koltun; pydensecrf-compatible)');
  const cmd = addShardFlag(addCrfOptions(base));
  cmd.action(async (positionals: string[], flags: CrfFlags & { shard?: string }) => {
    const ctx = context();
    const { settings, items } = crfPlan(positionals, flags);
    await runJob(ctx, crfJob, settings, items, shardFromFlag(flags.shard));
  });
  withExamples(cmd, [
    'objsel crf --image im1.png --labels anno1.png --out out1.png',
    'objsel crf --image img.jpg --probs softmax.npy --preset deeplab-v2 --out mask.png --save-probs q.npy',
    'objsel crf --image img.jpg --probs softmax.npy --iterations 5 --gaussian 3,3 --bilateral 80,13,10 --out mask.png --json',
    'objsel infer photos/*.jpg --weights deeplab_resnet --save-probs probs/p.npy && objsel crf photos/*.jpg --probs probs/p.npy --out crf/mask.png   # reads probs/p_<name>.npy, writes crf/mask_<name>.png',
    'objsel crf photos/*.jpg --probs probs/p.npy --out crf/mask.png --shard 0/4 --json > shard0.json   # one of 4 machines',
  ]);
}
