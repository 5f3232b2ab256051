import { promises as fs } from 'node:fs';
import path from 'node:path';
import { labelCounts } from '@objsel/voc-data';
import type { Command } from 'commander';
import type { CliContext } from '../context';
import { crfRefinerFromFlag } from '../crf-refiner';
import { CliError } from '../errors';
import { withExamples } from '../examples';
import { listFlag } from '../flags';
import { bnEpsilonFlag } from '../train-flags';
import { openSemanticSegmenter } from '../models';
import { assertNumClasses, imagesAndWeights, numClassesFlag } from '../network-flags';
import { assertFilesExist } from '../node-fs';
import { assertOutputsSafe } from '../output-guard';
import { perImageFile } from '../per-image-file';
import { stageOutputs } from '../staged-outputs';

interface InferFlags {
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

/** What `objsel infer` reports per image. */
interface InferredImage {
  image: string;
  width: number;
  height: number;
  mask: string;
  overlay: string;
  logits: string | null;
  probs: string | null;
  /** Pixels per class index present in the mask. */
  classes: Record<string, number>;
  seconds: number;
}

/** Pixels per class index, in class order. */
function classPixels(labels: Uint8Array): Record<string, number> {
  return Object.fromEntries([...labelCounts(labels)].sort((a, b) => a[0] - b[0]).map(([k, v]) => [String(k), v]));
}

/** `objsel infer`: inference.py (+ evaluate_msc.py's scales and the crf branch's `--crf`) on images. */
export function registerInfer(program: Command, context: () => CliContext): void {
  const cmd = program
    .command('infer')
    .description(
      'segment images: BGR minus the mean, fc1_voc12 logits, bilinear upsampling, argmax; writes <name>_mask.png (VOC palette) and <name>_overlay.png (inference.py)',
    )
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
    .option('--crf [preset]', 'refine with a dense CRF on the soft-max probabilities (@objsel/dense-crf preset, default deeplab-v2)')
    .action(async (positionals: string[], flags: InferFlags) => {
      const ctx = context();
      const { images, weights } = imagesAndWeights(positionals, flags);
      const numClasses = numClassesFlag(flags.numClasses);
      const scales = listFlag('--scales', flags.scales);
      const bnEpsilon = bnEpsilonFlag(flags.bnEpsilon);
      const refine = await crfRefinerFromFlag(flags.crf);
      const names = images.map((file) => path.basename(file, path.extname(file)));
      const duplicate = names.find((n, i) => names.indexOf(n) !== i);
      if (duplicate) throw new CliError('usage', `two images are named '${duplicate}': their outputs would overwrite each other`);
      const maskOf = (name: string) => path.join(flags.saveDir, `${name}_mask.png`);
      const overlayOf = (name: string) => path.join(flags.saveDir, `${name}_overlay.png`);
      assertOutputsSafe(
        names.flatMap((name) => [
          ['--save-dir', maskOf(name)] as const,
          ['--save-dir', overlayOf(name)] as const,
          ['--save-logits', flags.saveLogits === undefined ? undefined : perImageFile(flags.saveLogits, name, images.length)] as const,
          ['--save-probs', flags.saveProbs === undefined ? undefined : perImageFile(flags.saveProbs, name, images.length)] as const,
        ]),
        [...images, weights],
      );
      assertFilesExist(images);

      const { decodeImage, encodeIndexPng, encodePng, overlay, writeNpy } = await import('@objsel/voc-data');
      const { segmenter, weightsDir, backend } = await openSemanticSegmenter(ctx, weights, bnEpsilon === undefined ? {} : { bnEpsilon });
      const results: InferredImage[] = [];
      // Staged: a corrupt image in the middle leaves none of the earlier images' outputs.
      const out = stageOutputs([flags.saveDir, flags.saveLogits, flags.saveProbs]);
      try {
        assertNumClasses(numClasses, segmenter.numClasses, weights);
        await out.mkdir(flags.saveDir);
        for (const [i, file] of images.entries()) {
          const name = names[i]!;
          ctx.onProgress({ task: 'infer', done: i, total: images.length, message: file });
          const started = performance.now();
          let bytes: Uint8Array;
          try {
            bytes = await fs.readFile(file);
          } catch (error) {
            throw new CliError('io', `cannot read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, {
              file,
              cause: error,
            });
          }
          const image = await decodeImage(bytes, file);
          const result = await segmenter.segment(image, {
            scales,
            probabilities: refine !== undefined || flags.saveProbs !== undefined,
            logits: flags.saveLogits !== undefined,
          });
          const labels = refine
            ? await refine({ probs: result.probabilities!, image, width: image.width, height: image.height, numLabels: result.numClasses })
            : result.labels;
          const mask = maskOf(name);
          const blended = overlayOf(name);
          await out.write(mask, encodeIndexPng(labels, image.width, image.height));
          const mixed = overlay(image, labels);
          await out.write(blended, encodePng({ width: mixed.width, height: mixed.height, channels: 3, data: mixed.data }));
          let logits: string | null = null;
          if (flags.saveLogits !== undefined && result.logits) {
            logits = perImageFile(flags.saveLogits, name, images.length);
            await out.write(logits, writeNpy({ shape: result.logits.shape, data: result.logits.data }));
          }
          const probs = flags.saveProbs === undefined ? null : perImageFile(flags.saveProbs, name, images.length);
          if (probs !== null)
            await out.write(probs, writeNpy({ shape: [image.height, image.width, result.numClasses], data: result.probabilities! }));
          results.push({
            image: file,
            width: image.width,
            height: image.height,
            mask,
            overlay: blended,
            logits,
            probs,
            classes: classPixels(labels),
            seconds: (performance.now() - started) / 1000,
          });
        }
        await out.commit();
        ctx.onProgress({ task: 'infer', done: images.length, total: images.length });
      } finally {
        out.discard();
        await segmenter.dispose();
      }
      ctx.result({ backend, weights: weightsDir, scales, crf: refine !== undefined, images: results }, () =>
        results
          .map((r) => {
            const classes = Object.entries(r.classes)
              .map(([k, v]) => `${k}:${((100 * v) / (r.width * r.height)).toFixed(1)}%`)
              .join(' ');
            return `${r.image} (${r.width}x${r.height}, ${r.seconds.toFixed(2)} s): ${r.mask}, ${r.overlay}${r.logits ? `, ${r.logits}` : ''}${r.probs ? `, ${r.probs}` : ''}  classes ${classes}`;
          })
          .join('\n'),
      );
    });
  withExamples(cmd, [
    'objsel infer misc/2007_000129.jpg --weights deeplab_resnet --save-dir output',
    'objsel infer misc/2007_000129.jpg deeplab_resnet --num-classes 21   # inference.py IMAGE MODEL_WEIGHTS',
    'objsel infer photos/*.jpg --weights deeplab_resnet --scales 1,0.75,0.5 --crf',
    'objsel infer cat.jpg --weights deeplab_resnet --save-logits cat_logits.npy --bn-epsilon 0.001 --backend cpu --json',
    'objsel infer cat.jpg --weights deeplab_resnet --save-probs cat_probs.npy && objsel crf --image cat.jpg --probs cat_probs.npy --out cat_crf.png',
    'objsel infer cat.jpg --weights deeplab_resnet --backend onnx   # ONNX Runtime (npm install onnxruntime-node)',
  ]);
}
