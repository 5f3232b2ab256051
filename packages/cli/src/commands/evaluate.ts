import path from 'node:path';
import type { Command } from 'commander';
import type { CliContext } from '../context';
import { crfRefinerFromFlag } from '../crf-refiner';
import { CliError } from '../errors';
import { withExamples } from '../examples';
import { listFlag, numberFlag } from '../flags';
import { formatEvaluation } from '../format-evaluation';
import { readBytes, readText } from '../node-fs';
import { bnEpsilonFlag } from '../train-flags';
import { openSemanticSegmenter } from '../models';
import { assertNumClasses, numClassesFlag, weightsFlag } from '../network-flags';
import { stageOutputs } from '../staged-outputs';

interface EvaluateFlags {
  dataDir: string;
  dataList: string;
  weights?: string;
  restoreFrom?: string;
  numSteps?: string;
  numClasses?: string;
  scales: string;
  crf?: string | boolean;
  bnEpsilon?: string;
  saveDir?: string;
}

/** `objsel evaluate`: evaluate.py / evaluate_msc.py (+ the crf branch's `--crf`). */
export function registerEvaluate(program: Command, context: () => CliContext): void {
  const cmd = program
    .command('evaluate')
    .description(
      'mean IoU of a network on a labelled list: full-size images, bilinear upsampling, argmax, 255 ignored (evaluate.py, evaluate_msc.py)',
    )
    .option('--data-dir <dir>', 'directory the list paths are appended to', '/home/VOCdevkit')
    .option('--data-list <file>', 'list of "/JPEGImages/x.jpg /SegmentationClassAug/x.png" lines', './dataset/val.txt')
    .option('--weights <dir>', 'weights directory, checkpoint, or snapshot directory (its latest checkpoint)')
    .option('--restore-from <dir>', 'the same as --weights (evaluate.py name)')
    .option('--num-steps <n>', 'number of images to evaluate (default: the whole list; evaluate.py used 1449)')
    .option('--num-classes <n>', 'classes of the network (checked against the weights)')
    .option('--scales <list>', 'input scales, max-fused at logit resolution (1,0.75,0.5 = evaluate_msc.py)', '1')
    .option('--crf [preset]', 'refine with a dense CRF (@objsel/dense-crf preset, default deeplab-v2)')
    .option('--bn-epsilon <e>', 'override the BatchNorm epsilon of the weights (0.001 = TF port)')
    .option('--save-dir <dir>', 'also write <id>_mask.png (VOC palette) per image')
    .action(async (flags: EvaluateFlags) => {
      const ctx = context();
      const weights = weightsFlag(flags);
      if (!weights) throw new CliError('usage', 'give the network with --weights DIR');
      const numClasses = numClassesFlag(flags.numClasses);
      const scales = listFlag('--scales', flags.scales);
      const numSteps = flags.numSteps === undefined ? undefined : numberFlag('--num-steps', flags.numSteps, { integer: true, min: 1 });
      const bnEpsilon = bnEpsilonFlag(flags.bnEpsilon);
      const refine = await crfRefinerFromFlag(flags.crf);
      const { evaluate } = await import('@objsel/deeplab-resnet');
      const { encodeIndexPng, parseList } = await import('@objsel/voc-data');
      const { segmenter, weightsDir, backend } = await openSemanticSegmenter(ctx, weights, bnEpsilon === undefined ? {} : { bnEpsilon });
      const out = stageOutputs([flags.saveDir]);
      try {
        assertNumClasses(numClasses, segmenter.numClasses, weights);
        const entries = parseList(await readText(flags.dataList), { file: flags.dataList, dataDir: flags.dataDir });
        if (flags.saveDir) await out.mkdir(flags.saveDir);
        const saveDir = flags.saveDir;
        const result = await evaluate({
          segmenter,
          entries,
          read: readBytes,
          scales,
          ...(numSteps === undefined ? {} : { numSteps }),
          ...(refine ? { refine } : {}),
          onProgress: ctx.onProgress,
          ...(saveDir
            ? {
                onImage: async ({ entry, image, prediction }) =>
                  out.write(path.join(saveDir, `${entry.id}_mask.png`), encodeIndexPng(prediction, image.width, image.height)),
              }
            : {}),
        });
        await out.commit();
        ctx.result({ ...result, weights: weightsDir, dataList: flags.dataList, backend }, () => formatEvaluation(result));
      } finally {
        out.discard();
        await segmenter.dispose();
      }
    });
  withExamples(cmd, [
    'objsel evaluate --data-dir ~/VOCdevkit/VOC2012 --data-list dataset/val.txt --weights deeplab_resnet',
    'objsel evaluate --weights snapshots --scales 1,0.75,0.5 --crf --json > miou.json',
    'objsel evaluate --weights snapshots/ckpt-20000 --num-steps 100 --save-dir masks',
    'objsel evaluate --weights deeplab_resnet --backend onnx --json > miou.json',
  ]);
}
