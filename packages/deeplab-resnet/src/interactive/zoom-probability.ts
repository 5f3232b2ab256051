/**
 * The network on RITM's ZoomIn crop (`objsel noc --zoom-in`): the raw input is built at full size
 * with distances in crop pixels, cut to the box and resized (bilinear, aligned corners) to the
 * crop size; the probability is resized back and pasted into a map that is 0 outside the box.
 * The box itself comes from `@objsel/clicks`' `createZoomIn`.
 */
import {
  buildInteractiveInput,
  clickToCrop,
  cropChannels,
  INTERACTIVE_CHANNELS,
  pasteCrop,
  zoomCropSize,
  type Click,
  type RgbImage,
  type ZoomRoi,
} from '@objsel/clicks';

/** The clicks inside the box, moved to the crop's pixel grid (f-BRS optimises at them). */
function cropClicks(clicks: readonly Click[], roi: ZoomRoi, crop: { width: number; height: number }): Click[] {
  const out: Click[] = [];
  for (const c of clicks) {
    if (c.x < roi.left || c.x > roi.right || c.y < roi.top || c.y > roi.bottom) continue;
    const p = clickToCrop(c, roi, crop);
    out.push({ x: Math.min(crop.width - 1, Math.floor(p.x)), y: Math.min(crop.height - 1, Math.floor(p.y)), positive: c.positive });
  }
  return out;
}

/** Object probability of the whole image computed on the crop `roi` at `targetSize` pixels on its longer side. */
export async function zoomedProbability<R extends { probability: Float32Array }>(
  run: (request: { input: Float32Array; width: number; height: number; clicks: readonly Click[] }) => Promise<R>,
  image: RgbImage,
  clicks: readonly Click[],
  roi: ZoomRoi,
  targetSize: number,
  options: { clickScale?: number; clickTruncate?: number },
): Promise<R> {
  const full = { width: image.width, height: image.height };
  const crop = zoomCropSize(roi, targetSize);
  // Distances as the network sees them in the resized crop (RITM encodes clicks in crop coordinates).
  const zoom = crop.width / (roi.right - roi.left + 1);
  const raw = buildInteractiveInput(image, clicks, { scale: (options.clickScale ?? 1) * zoom, truncate: options.clickTruncate });
  const input = cropChannels(raw, INTERACTIVE_CHANNELS, full, roi, crop);
  const result = await run({ input, ...crop, clicks: cropClicks(clicks, roi, crop) });
  return { ...result, probability: pasteCrop(result.probability, crop, roi, full, 0) };
}
