import { DCSP_BACKGROUND_THRESHOLD, fuseCues } from '@objsel/dcsp';
import { VOC_CLASSES, VOC_PALETTE, decodeFloatMap, decodeImage, decodeSaliency, encodeIndexPng, labelCounts } from '@objsel/voc-data';
import type { Command } from 'commander';
import type { CliContext } from '../../context';
import { CliError } from '../../errors';
import { withExamples } from '../../examples';
import { numberParser, vocTagsFlag } from '../../flags';
import { assertOutputsSafe } from '../../output-guard';
import { readBytes } from '../../node-fs';
import { writeOutputs } from '../../staged-outputs';

interface CuesOptions {
  image: string;
  attention: string;
  saliency: string;
  tags: string;
  out: string;
  threshold: number;
}

/** `objsel dcsp cues`: one image's DCSP cues from its raw attention, saliency and tags. */
async function runCues(ctx: CliContext, o: CuesOptions): Promise<void> {
  const tags = vocTagsFlag(o.tags);
  assertOutputsSafe([['--out', o.out]], [o.image, o.attention, o.saliency]);
  const image = await decodeImage(await readBytes(o.image), o.image);
  const attention = decodeFloatMap(await readBytes(o.attention), o.attention);
  const saliency = decodeSaliency(await readBytes(o.saliency), o.saliency);
  const { width, height } = image;
  if (attention.width !== width || attention.height !== height || attention.channels !== 20) {
    throw new CliError(
      'usage',
      `attention is ${attention.height}x${attention.width}x${attention.channels}; expected the image size with 20 channels (${height}x${width}x20)`,
      { file: o.attention },
    );
  }
  if (saliency.width !== width || saliency.height !== height) {
    throw new CliError('usage', `saliency is ${saliency.height}x${saliency.width}; expected the image size ${height}x${width}`, {
      file: o.saliency,
    });
  }
  const labels = fuseCues({ attention: attention.data, saliency: saliency.data, tags, width, height, threshold: o.threshold });
  await writeOutputs([[o.out, encodeIndexPng(labels, width, height, VOC_PALETTE)]]);
  const counts: Record<string, number> = {};
  for (const [l, n] of labelCounts(labels)) counts[VOC_CLASSES[l] ?? String(l)] = (counts[VOC_CLASSES[l] ?? String(l)] ?? 0) + n;
  const pixels = width * height;
  ctx.result({ out: o.out, width, height, tags, threshold: o.threshold, pixels: counts }, () =>
    [
      `wrote ${o.out} (${width}x${height}, VOC palette)`,
      ...Object.entries(counts).map(([name, n]) => `  ${name.padEnd(12)} ${((100 * n) / pixels).toFixed(1).padStart(5)}%`),
    ].join('\n'),
  );
}

/** `objsel dcsp cues`. */
export function registerDcspCues(dcsp: Command, context: () => CliContext): void {
  const cues = dcsp
    .command('cues')
    .description(
      "one image's DCSP cues: per-class min-max normalised attention, masked by the tags, harmonic mean with saliency, background below the threshold, argmax; writes a VOC-palette index PNG",
    )
    .requiredOption('--image <file>', 'the photo (JPEG or PNG); gives the size')
    .requiredOption('--attention <file>', 'raw fc1_voc12_d0 attention at image size: float32 .npy [H, W, 20] for classes 1..20')
    .requiredOption('--saliency <file>', 'saliency at image size: 8-bit PNG (value/255), or .npy/.npz float in [0, 1]')
    .requiredOption('--tags <list>', 'present classes, comma-separated ids 1..20 or VOC names (3,15 or bird,person)')
    .requiredOption('--out <file>', 'output index PNG (VOC palette)')
    .option(
      '--threshold <t>',
      'background where the best harmonic mean is below this',
      numberParser('--threshold', { min: 0, max: 1 }),
      DCSP_BACKGROUND_THRESHOLD,
    )
    .action(async (o: CuesOptions) => runCues(context(), o));
  withExamples(cues, [
    'objsel dcsp cues --image I.jpg --attention A.npy --saliency S.png --tags 3,15 --out CUES.png',
    'objsel dcsp cues --image I.jpg --attention A.npy --saliency S.npy --tags person --out cues.png --json',
  ]);
}
