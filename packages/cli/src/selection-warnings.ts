/**
 * Honest output for a selection: one warning line when the result is suspicious (nothing or
 * almost nothing selected) or the image is unlike anything the network was trained on, so that a
 * user does not take a one-pixel mask from a model of rendered shapes on a photo at face value.
 * Warnings, not errors: the mask is still written.
 */
import type { ImageDomain, RgbImage } from '@objsel/voc-data';
import { readBytes } from './node-fs';
import { objselMetadata } from './weights-metadata';

/** A selection under this share of the image (0.1%, 167 of a 500x334 photo's pixels) is "tiny". */
export const TINY_SELECTION_SHARE = 0.001;

/** The warning for an empty or tiny selection, else undefined. */
export function tinySelectionWarning(area: number, width: number, height: number): string | undefined {
  const pixels = width * height;
  if (area === 0) return `the selection is empty (0 of ${pixels} pixels): nothing under the clicks was taken for the object`;
  if (area < TINY_SELECTION_SHARE * pixels)
    return `the selection is tiny: ${area} of ${pixels} pixels (under ${TINY_SELECTION_SHARE * 100}% of the image); check the clicks and the weights`;
  return undefined;
}

/**
 * The training domain in the weights' metadata (`objsel.domain` of model.json, written by
 * `objsel train --interactive`), or undefined: older weights, TensorFlow checkpoints and
 * converted Caffe models do not say what they were trained on, and then nothing is claimed.
 */
export async function weightsDomain(weights: string): Promise<ImageDomain | undefined> {
  const { isImageDomain } = await import('@objsel/voc-data');
  const domain = (await objselMetadata(weights))?.domain;
  return isImageDomain(domain) ? domain : undefined;
}

/**
 * The warning for an image far from the training domain, else undefined. The rule (voc-data's
 * `domainDistance`): the image's brightness, contrast, saturation and flatness are compared with
 * their mean over the training images; one of them more than `DOMAIN_FAR_Z` spreads (the
 * training images' standard deviation, at least `DOMAIN_MIN_SPREAD`) away makes the image far.
 */
export async function domainWarning(domain: ImageDomain, image: RgbImage, file: string): Promise<string | undefined> {
  const { DOMAIN_FAR_Z, domainDistance, imageStatistics } = await import('@objsel/voc-data');
  const far = domainDistance(domain, imageStatistics(image));
  if (far.z <= DOMAIN_FAR_Z) return undefined;
  return `${file} is far from what the network was trained on (${domain.dataset}): its ${far.statistic} ${far.value.toFixed(2)} is ${far.z.toFixed(1)} spreads from the training images' ${far.mean.toFixed(2)} ± ${far.spread.toFixed(2)} (over ${DOMAIN_FAR_Z} counts as far); expect a poor selection`;
}

/** Every warning for a network selection of `file` with `weights`. */
export async function selectionWarnings(options: {
  file: string;
  weights?: string;
  area: number;
  width: number;
  height: number;
}): Promise<string[]> {
  const warnings: string[] = [];
  const tiny = tinySelectionWarning(options.area, options.width, options.height);
  if (tiny) warnings.push(tiny);
  const domain = options.weights === undefined ? undefined : await weightsDomain(options.weights);
  if (domain) {
    const { decodeImage } = await import('@objsel/voc-data');
    const far = await domainWarning(domain, await decodeImage(await readBytes(options.file), options.file), options.file);
    if (far) warnings.push(far);
  }
  return warnings;
}
