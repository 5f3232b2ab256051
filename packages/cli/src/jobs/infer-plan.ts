/**
 * What an `objsel infer` run is, from its flags: the images and the settings, checked before any
 * work (the same checks for the command, a shard and `objsel submit infer`).
 */
import type { Command } from 'commander';
import { CliError } from '../errors';
import { listFlag } from '../flags';
import { imagesAndWeights, numClassesFlag } from '../network-flags';
import { assertFilesExist } from '../node-fs';
import { assertOutputsSafe } from '../output-guard';
import { perImageFile } from '../per-image-file';
import { bnEpsilonFlag } from '../train-flags';
import { imageName, type InferSettings, maskFile, overlayFile } from './infer-job';

/** The flags of `objsel infer` (and `objsel submit infer`). */
export interface InferFlags {
  weights?: string;
  restoreFrom?: string;
  numClasses?: string;
  saveDir: string;
  saveLogits?: string;
  saveProbs?: string;
  bnEpsilon?: string;
  scales: string;
  crf?: string | boolean;
}

/** Declares infer's arguments and flags on `cmd`. */
export function addInferOptions(cmd: Command): Command {
  return cmd
    .argument('<images...>', 'JPEG or PNG images; or IMAGE WEIGHTS as inference.py takes them')
    .option(
      '--weights <dir>',
      'weights directory (objsel convert output), checkpoint, snapshot directory (its latest checkpoint) or TensorFlow checkpoint',
    )
    .option('--restore-from <dir>', "the same as --weights (the TF port's name)")
    .option('--num-classes <n>', "classes of the network, checked against the weights (inference.py's flag)")
    .option('--save-dir <dir>', 'where to write the masks and overlays', './output/')
    .option(
      '--save-logits <file.npy>',
      'write the raw fc1_voc12 logits of the scale-1 pass (before upsampling) as float32 [h, w, classes]; with several images, <file>_<name>.npy',
    )
    .option(
      '--save-probs <file.npy>',
      'write the softmax of the upsampled logits (before --crf) as float32 [H, W, classes], the input of crf --probs and graphcut --probs; with several images, <file>_<name>.npy',
    )
    .option('--bn-epsilon <e>', 'override the BatchNorm epsilon of the weights (0.001 = the TF port)')
    .option('--scales <list>', 'input scales, max-fused at logit resolution (1,0.75,0.5 = evaluate_msc.py)', '1')
    .option('--crf [preset]', 'refine with a dense CRF on the soft-max probabilities (@objsel/dense-crf preset, default deeplab-v2)');
}

/** The images and settings of an infer run, refused before any work when outputs would collide or inputs are missing. */
export function inferPlan(positionals: readonly string[], flags: InferFlags): { settings: InferSettings; items: string[] } {
  const { images, weights } = imagesAndWeights(positionals, flags);
  const bnEpsilon = bnEpsilonFlag(flags.bnEpsilon);
  const numClasses = numClassesFlag(flags.numClasses);
  const settings: InferSettings = {
    weights,
    saveDir: flags.saveDir,
    scales: listFlag('--scales', flags.scales),
    imageCount: images.length,
    ...(numClasses === undefined ? {} : { numClasses }),
    ...(flags.saveLogits === undefined ? {} : { saveLogits: flags.saveLogits }),
    ...(flags.saveProbs === undefined ? {} : { saveProbs: flags.saveProbs }),
    ...(bnEpsilon === undefined ? {} : { bnEpsilon }),
    ...(flags.crf === undefined ? {} : { crf: flags.crf }),
  };
  const names = images.map(imageName);
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate) throw new CliError('usage', `two images are named '${duplicate}': their outputs would overwrite each other`);
  assertOutputsSafe(
    names.flatMap((name) => [
      ['--save-dir', maskFile(settings, name)] as const,
      ['--save-dir', overlayFile(settings, name)] as const,
      ['--save-logits', flags.saveLogits === undefined ? undefined : perImageFile(flags.saveLogits, name, images.length)] as const,
      ['--save-probs', flags.saveProbs === undefined ? undefined : perImageFile(flags.saveProbs, name, images.length)] as const,
    ]),
    [...images, weights],
  );
  assertFilesExist(images);
  return { settings, items: images };
}
