import { DcspError } from '../errors';
import { DCSP_NUM_OBJECT_CLASSES } from './constants';
import { normalizeChannel } from './normalize';
import { presentClasses } from './tags';

/**
 * Attention maps multiplied by the present-tag mask: channels of absent classes become 0.
 * `attention` is HWC with one channel per object class (`channel c - 1` is class `c`).
 */
export function maskByTags(
  attention: Float32Array,
  tags: readonly number[],
  pixels: number,
  channels = DCSP_NUM_OBJECT_CLASSES,
): Float32Array {
  if (attention.length !== pixels * channels)
    throw new DcspError('bad-input', `attention has ${attention.length} values, expected ${pixels}x${channels}`);
  const present = new Set(presentClasses(tags, channels + 1));
  const out = new Float32Array(attention.length);
  for (let c = 0; c < channels; c++) {
    if (!present.has(c + 1)) continue;
    for (let i = 0; i < pixels; i++) out[i * channels + c] = attention[i * channels + c]!;
  }
  return out;
}

/**
 * An image's initial localisation cues as DCSP's `get_localization` saves them (the `actv`
 * array of `Attentions/<name>.npz`): only the present classes' channels, in ascending class
 * order.
 */
export interface AttentionCues {
  /** HWK interleaved, K = `classes.length`, values in (0, 1]. */
  actv: Float32Array;
  /** The class id (1..20) of each channel of `actv`, ascending. */
  classes: number[];
  width: number;
  height: number;
}

/**
 * From the raw multi-scale-fused `fc1_voc12_d0` attention at image size (HWC, 20 channels for
 * classes 1..20) to the initial cues: per-class min-max normalisation (add 1e-12, divide by
 * the max), multiplication by the present-tag mask, and selection of the present channels.
 */
export function attentionCues(options: {
  attention: Float32Array;
  tags: readonly number[];
  width: number;
  height: number;
  channels?: number;
}): AttentionCues {
  const { attention, width, height } = options;
  const channels = options.channels ?? DCSP_NUM_OBJECT_CLASSES;
  const pixels = width * height;
  if (attention.length !== pixels * channels) {
    throw new DcspError(
      'bad-input',
      `attention has ${attention.length} values, expected ${height}x${width}x${channels} = ${pixels * channels}`,
    );
  }
  const classes = presentClasses(options.tags, channels + 1);
  const k = classes.length;
  // Normalising every channel and then multiplying by the tag mask (as DCSP does) equals
  // normalising only the present channels: each channel is normalised on its own.
  const actv = new Float32Array(pixels * k);
  classes.forEach((cls, j) => {
    normalizeChannel(attention, channels, cls - 1, pixels, actv, k, j);
  });
  return { actv, classes, width, height };
}
