import path from 'node:path';
import { VOC_PALETTE, decodeImage, encodeIndexPng } from '@objsel/voc-data';
import type { Command } from 'commander';
import type { CliContext } from '../../context';
import { loadDcspForEvaluation } from '../../dcsp-weights';
import { CliError } from '../../errors';
import { withExamples } from '../../examples';
import { listFlag, numberFlag } from '../../flags';
import { readBytes, readText } from '../../node-fs';
import { assertItemOutputsSafe } from '../../output-guard';
import { stageOutputs } from '../../staged-outputs';
import { bnEpsilonFlag } from '../../train-flags';

/** The flags of `dcsp test-voc` as commander gives them. */
interface TestVocFlags {
  dataDir: string;
  dataList: string;
  numSteps?: string;
  restoreFrom: string;
  crf?: boolean;
  scales: string;
  bnEpsilon?: string;
  saveDir: string;
}

async function runTestVoc(ctx: CliContext, flags: TestVocFlags): Promise<void> {
  const bnEpsilon = bnEpsilonFlag(flags.bnEpsilon);
  const scales = listFlag('--scales', flags.scales);
  const { parseList } = await import('@objsel/voc-data');
  const entries = parseList(await readText(flags.dataList), { file: flags.dataList, dataDir: flags.dataDir });
  const count = Math.min(
    flags.numSteps === undefined ? entries.length : numberFlag('--num-steps', flags.numSteps, { integer: true, min: 1 }),
    entries.length,
  );
  if (count === 0) throw new CliError('usage', `${flags.dataList} lists no images`);
  const items = entries.slice(0, count);
  assertItemOutputsSafe(
    '--save-dir',
    items.map((e) => path.join(flags.saveDir, `${e.id}.png`)),
    [flags.dataList, ...items.map((e) => e.image)],
    [flags.restoreFrom],
  );
  const { network, weightsDir, backend } = await loadDcspForEvaluation(ctx, flags.restoreFrom, bnEpsilon);
  const out = stageOutputs([flags.saveDir]);
  try {
    const { DcspPredictor } = await import('@objsel/dcsp');
    await out.mkdir(flags.saveDir);
    const crf = flags.crf !== false;
    const predictor = DcspPredictor.fromNetwork(network);
    try {
      for (let i = 0; i < count; i++) {
        const entry = entries[i]!;
        const image = await decodeImage(await readBytes(entry.image), entry.image);
        const labels = await predictor.predict(image, { scales, crf });
        await out.write(path.join(flags.saveDir, `${entry.id}.png`), encodeIndexPng(labels, image.width, image.height, VOC_PALETTE));
        ctx.onProgress({ task: 'dcsp test-voc', done: i + 1, total: count });
      }
    } finally {
      predictor.dispose();
    }
    await out.commit();
    ctx.result(
      { images: count, saveDir: flags.saveDir, crf, scales, restoreFrom: weightsDir, backend },
      () => `The segmentation masks have been saved to ${flags.saveDir} (${count} palettised PNGs <name>.png${crf ? ', dense CRF' : ''})`,
    );
  } finally {
    out.discard();
    network.dispose();
  }
}

/** `objsel dcsp test-voc`. */
export function registerDcspTestVoc(dcsp: Command, context: () => CliContext): void {
  const testVoc = dcsp
    .command('test-voc')
    .description('predictions for the PASCAL VOC evaluation server (test_voc.py): 3 scales, dense CRF, palettised <name>.png in --save-dir')
    .option('--data-dir <dir>', 'directory the list paths are appended to', '/home/VOCdevkit')
    .option('--data-list <file>', 'list of "/JPEGImages/x.jpg" lines', './dataset/test.txt')
    .option('--num-steps <n>', 'number of images (default: the whole list; DCSP used 1456)')
    .option('--restore-from <dir>', 'checkpoint or snapshot directory (its latest checkpoint)', './snapshots/')
    .option('--save-dir <dir>', 'where <name>.png go', './output')
    .option('--no-crf', 'skip the dense CRF')
    .option('--scales <list>', 'input scales, max-fused at logit resolution', '1,0.75,0.5')
    .option('--bn-epsilon <e>', 'override the BatchNorm epsilon of the weights')
    .action(async (flags: TestVocFlags) => runTestVoc(context(), flags));
  withExamples(testVoc, [
    'objsel dcsp test-voc --data-dir ~/VOCdevkit --data-list dataset/test.txt --restore-from snapshots --save-dir results/VOC2012/Segmentation/comp6_test_cls',
  ]);
}
