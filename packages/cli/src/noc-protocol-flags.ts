/**
 * The click-protocol options papers use beside the robot (`objsel noc --zoom-in`,
 * `--previous-mask`): RITM's ZoomIn, and the previous-mask input channel that no objsel model has;
 * and `--click-consistent`, which scores the masks `select` and `serve` answer instead.
 */
import type { ZoomInOptions } from '@objsel/clicks';
import type { Command } from 'commander';
import { CliError } from './errors';
import { listFlag, numberFlag } from './flags';

/** The raw protocol flags. */
export interface RawNocProtocolFlags {
  zoomIn?: boolean;
  zoomTarget: string;
  zoomMinCrop: string;
  zoomExpansion: string;
  previousMask?: boolean;
  clickConsistent?: boolean;
  iou: string;
  iouThresholds?: string;
}

/** Adds `--zoom-in` (with `--zoom-target`, `--zoom-min-crop`, `--zoom-expansion`) and `--previous-mask`. */
export function addNocProtocolFlags(cmd: Command): Command {
  return cmd
    .option('--zoom-in', "RITM's ZoomIn: from the second click on, run the network on a crop around the current mask and the clicks")
    .option('--zoom-target <px>', "with --zoom-in: pixels on the crop's longer side (RITM: 400, 600 on DAVIS)", '400')
    .option('--zoom-min-crop <px>', 'with --zoom-in: minimum crop side before clamping to the image (RITM: 200)', '200')
    .option('--zoom-expansion <ratio>', 'with --zoom-in: box growth around the mask and the positive clicks (RITM: 1.4)', '1.4')
    .option('--iou-thresholds <list>', "the papers' spelling of --iou (e.g. 0.85,0.9)")
    .option('--previous-mask', "feed the previous mask as an input channel (models trained with it; objsel's 5-channel models are not)")
    .option(
      '--click-consistent',
      "score each mask with its clicked pixels set to their clicks' labels, as select and serve answer (default: the papers' protocol, the mask as it is)",
    );
}

/** `--iou` or its long spelling `--iou-thresholds` (not both). */
export function iouThresholdsFromFlags(flags: RawNocProtocolFlags, iouGiven: boolean): number[] {
  if (flags.iouThresholds === undefined) return listFlag('--iou', flags.iou, { min: 0, minExclusive: true, max: 1 });
  if (iouGiven) throw new CliError('usage', '--iou and --iou-thresholds are one option: give one');
  return listFlag('--iou-thresholds', flags.iouThresholds, { min: 0, minExclusive: true, max: 1 });
}

/**
 * The predictor options the protocol flags ask for. `--previous-mask` is refused: every objsel
 * interactive network (Xu et al.'s input: RGB + positive and negative click maps, 5 channels)
 * was trained without a previous-mask channel, and feeding one it never saw would be invented.
 */
export function nocProtocolFromFlags(flags: RawNocProtocolFlags, method: string): { zoomIn?: ZoomInOptions; clickConsistent?: true } {
  if (flags.previousMask)
    throw new CliError(
      'usage',
      "--previous-mask needs a network trained with a previous-mask input channel (RITM's 6-channel models); objsel's interactive networks take Xu et al.'s 5 channels (RGB + positive and negative click maps) and no previous mask",
    );
  const zoomIn: ZoomInOptions = {
    targetSize: numberFlag('--zoom-target', flags.zoomTarget, { integer: true, min: 8, max: 4096 }),
    minCropSize: numberFlag('--zoom-min-crop', flags.zoomMinCrop, { integer: true, min: 0, max: 100000 }),
    expansionRatio: numberFlag('--zoom-expansion', flags.zoomExpansion, { min: 1, max: 10 }),
  };
  const consistent = flags.clickConsistent ? { clickConsistent: true as const } : {};
  if (!flags.zoomIn) return consistent;
  if (method !== 'network') throw new CliError('usage', `--zoom-in crops the network's input; --method ${method} segments the whole image`);
  return { zoomIn, ...consistent };
}
