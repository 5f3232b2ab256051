import path from 'node:path';
import { VOC_PALETTE, encodeIndexPng } from '@objsel/voc-data';
import type { Command } from 'commander';
import type { CliContext } from '../../context';
import { loadDcspForEvaluation } from '../../dcsp-weights';
import { CliError } from '../../errors';
import { withExamples } from '../../examples';
import { listFlag, numberFlag } from '../../flags';
import { formatEvaluation } from '../../format-evaluation';
import { readBytes, readText } from '../../node-fs';
import { assertItemOutputsSafe } from '../../output-guard';
import { stageOutputs } from '../../staged-outputs';
import { bnEpsilonFlag } from '../../train-flags';

/** The flags of `dcsp evaluate` (and `test-voc`) as commander gives them. */
export interface DcspEvalFlags {
  dataDir: string;
  dataList: string;
  numSteps?: string;
  restoreFrom: string;
  crf?: boolean;
  scales: string;
  bnEpsilon?: string;
  saveDir?: string;
}

async function runEvaluate(ctx: CliContext, flags: DcspEvalFlags): Promise<void> {
  const bnEpsilon = bnEpsilonFlag(flags.bnEpsilon);
  const scales = listFlag('--scales', flags.scales);
  const numSteps = flags.numSteps === undefined ? undefined : numberFlag('--num-steps', flags.numSteps, { integer: true, min: 1 });
  const { parseList } = await import('@objsel/voc-data');
  const entries = parseList(await readText(flags.dataList), { file: flags.dataList, dataDir: flags.dataDir });
  if (entries.length === 0) throw new CliError('usage', `${flags.dataList} lists no images`);
  if (flags.saveDir) {
    const items = entries.slice(0, numSteps ?? entries.length);
    assertItemOutputsSafe(
      '--save-dir',
      items.map((e) => path.join(flags.saveDir!, `${e.id}.png`)),
      [flags.dataList, ...items.flatMap((e) => [e.image, e.label])],
      [flags.restoreFrom],
    );
  }
  const { network, weightsDir, backend } = await loadDcspForEvaluation(ctx, flags.restoreFrom, bnEpsilon);
  const out = stageOutputs([flags.saveDir]);
  try {
    const { evaluateDcsp } = await import('@objsel/dcsp');
    const saveDir = flags.saveDir;
    if (saveDir) await out.mkdir(saveDir);
    const result = await evaluateDcsp({
      network,
      entries,
      read: readBytes,
      scales,
      crf: flags.crf === true,
      ...(numSteps === undefined ? {} : { numSteps }),
      onProgress: ctx.onProgress,
      ...(saveDir
        ? {
            onImage: async ({ entry, image, prediction }) =>
              out.write(path.join(saveDir, `${entry.id}.png`), encodeIndexPng(prediction, image.width, image.height, VOC_PALETTE)),
          }
        : {}),
    });
    await out.commit();
    ctx.result({ ...result, restoreFrom: weightsDir, dataList: flags.dataList, backend }, () => formatEvaluation(result));
  } finally {
    out.discard();
    network.dispose();
  }
}

/** `objsel dcsp evaluate`. */
export function registerDcspEvaluate(dcsp: Command, context: () => CliContext): void {
  const evaluate = dcsp
    .command('evaluate')
    .description(
      "mean IoU as DCSP's evaluate.py: full images, 3 scales max-fused, bilinear, (softmax, dense CRF with DCSP's parameters,) argmax, 255 ignored",
    )
    .option('--data-dir <dir>', 'directory the list paths are appended to', '/home/VOCdevkit')
    .option('--data-list <file>', 'list of "/JPEGImages/x.jpg /SegmentationClassAug/x.png" lines', './dataset/val.txt')
    .option('--num-steps <n>', 'number of images to evaluate (default: the whole list; DCSP used 1449)')
    .option('--restore-from <dir>', 'checkpoint or snapshot directory (its latest checkpoint)', './snapshots/')
    .option('--crf', 'dense CRF (10 iterations, Gaussian 3/3, bilateral 49/5/4), as DCSP evaluates')
    .option('--scales <list>', 'input scales, max-fused at logit resolution', '1,0.75,0.5')
    .option('--bn-epsilon <e>', 'override the BatchNorm epsilon of the weights')
    .option('--save-dir <dir>', 'also write <name>.png (VOC palette) per image')
    .action(async (flags: DcspEvalFlags) => runEvaluate(context(), flags));
  withExamples(evaluate, [
    'objsel dcsp evaluate --data-dir ~/VOCdevkit --data-list dataset/val.txt --restore-from snapshots --crf',
    'objsel dcsp evaluate --restore-from snapshots/ckpt-20000 --num-steps 100 --json > miou.json',
  ]);
}
