/**
 * The domain of the interactive model this folder trains for examples/web-select (shipped in
 * its `public/models/synthetic-interactive/`): the network shape, the size the network sees, the
 * input encoding and the synthetic images it is trained on. The app reads them from here, so
 * that it runs the model the way it was trained. Change them together or retrain.
 */
import { resnetConfig, type DeepLabConfig } from '@objsel/deeplab-resnet';
import { imageDomain, imageStatistics, renderSyntheticSample, type ImageDomain, type SyntheticOptions } from '@objsel/voc-data';

/**
 * The interactive network: DeepLab-v2 on a bottleneck ResNet with one unit per stage at 1/8
 * width, 5 input channels (BGR + positive and negative click maps) and one output (object
 * logit), as in Xu et al. 2016 and deep-interactive's `train.py`. The ASPP rates are DeepLab-v2's 6/12/18/24 scaled by
 * half, for feature maps of about 16x12 instead of 41x41.
 */
export const MODEL_CONFIG: DeepLabConfig = resnetConfig(50, {
  inputChannels: 5,
  numClasses: 1,
  widthMultiplier: 1 / 8,
  blocks: [1, 1, 1, 1],
  asppRates: [3, 6, 9, 12],
});

/** The network runs on the image scaled so that its longer side has this many pixels. */
export const MODEL_LONG_SIDE = 128;

/** Click distance maps: Euclidean distance in model pixels, truncated at 255 (Xu et al.). */
export const CLICK_MAP_TRUNCATE = 255;

/** The synthetic images of the domain (voc-data's renderer): the training set and the sample. */
export const SYNTHETIC_OPTIONS: SyntheticOptions = {
  count: 1,
  seed: 20261122,
  width: 320,
  height: 240,
  classes: 5,
  minObjects: 1,
  maxObjects: 3,
  minSize: 64,
  maxSize: 160,
  voidBorder: 0,
};

/** Index of the synthetic image the page opens with (not among the training images). */
export const SAMPLE_INDEX = 100_010;

/** Training images the domain is measured on: as many as deeplab-resnet's `trainingDomain` reads from a list. */
const DOMAIN_SAMPLE = 32;

/**
 * What the model is trained on, for its weights' metadata (`objsel.domain`, read by `objsel
 * select` and `serve` to warn about images far from it): the statistics of up to
 * {@link DOMAIN_SAMPLE} of the `images` training renders, evenly spaced, the way deeplab-resnet's
 * `trainingDomain` measures a training list.
 */
export function renderedDomain(images: number): ImageDomain {
  const count = Math.min(DOMAIN_SAMPLE, images);
  const statistics = Array.from({ length: count }, (_, i) =>
    imageStatistics(renderSyntheticSample(Math.floor((i * images) / count), SYNTHETIC_OPTIONS).image),
  );
  const { width, height, seed } = SYNTHETIC_OPTIONS;
  return imageDomain(`voc-data synthetic renders 0..${images - 1}, ${width}x${height}, seed ${seed}`, statistics);
}
