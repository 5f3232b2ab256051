/**
 * `POST /v1/select`: objsel's own contract (an image or the id of one sent before, clicks, a mask
 * format). `method` picks the network (default) or a classic method of `@objsel/clicks`
 * (`grabcut`, `graphcut-colour`, `random-walker`, `geodesic`; `box: [x0, y0, x1, y1]` optional),
 * answered as `objsel select --method` would. `previousMask` (COCO RLE, the image's size) is a
 * prior on the network's probability (`blendMaskPrior`); `objectId` is echoed.
 */
import type { Box, Click } from '@objsel/clicks';
import type { RgbImage } from '@objsel/voc-data';
import { SELECT_METHODS } from '../../method-selection';
import { HttpError } from '../http-json';
import { maskFields, maskFormat } from '../mask-output';
import { previousMaskField } from '../previous-mask';
import { clicksField, optionalNumber } from '../request-fields';
import type { Selector } from '../selector';

export async function v1Select(body: Record<string, unknown>, selector: Selector): Promise<Record<string, unknown>> {
  const format = maskFormat(body.format);
  const clicks = clicksField(body, 'clicks');
  const threshold = optionalNumber(body, 'threshold', 0, 1);
  const method = methodField(body);
  let source: { image: RgbImage; imageId: string };
  if (typeof body.image === 'string') source = await selector.imageFromBase64(body.image, 'image');
  else if (typeof body.imageId === 'string') source = { image: selector.imageById(body.imageId), imageId: body.imageId };
  else throw new HttpError(400, 'give image (base64 PNG or JPEG) or imageId (from an earlier answer)');
  const objectId = objectIdField(body);
  const previousMask = previousMaskField(body, source.image.width, source.image.height);
  const previousMaskWeight = optionalNumber(body, 'previousMaskWeight', 0, 1);
  if (previousMask && method !== 'network')
    throw new HttpError(400, `previousMask is a prior on the network's probability: method ${method} does not take it`);
  const selection =
    method === 'network'
      ? await selector.select(source.image, source.imageId, clicks, {
          ...(threshold === undefined ? {} : { threshold }),
          ...(previousMask ? { previousMask } : {}),
          ...(previousMaskWeight === undefined ? {} : { previousMaskWeight }),
        })
      : await classicSelection(method, source.image, boxField(body, source.image), clicks).then(async (selection) => ({
          ...selection,
          warnings: await selector.warnings.of(source.image, source.imageId, selection.mask, false),
        }));
  return {
    imageId: source.imageId,
    ...(objectId === undefined ? {} : { objectId }),
    method,
    ...maskFields(selection.mask, source.image.width, source.image.height, format),
    ms: Math.round(selection.ms * 10) / 10,
    warnings: selection.warnings,
  };
}

/**
 * `objectId`: which of the client's objects this selection is for (1-255, the index it gets in a
 * palette PNG). The server keeps no objects: it echoes the id, and the client holds each object's
 * clicks and mask (and sends the mask back as `previousMask`).
 */
function objectIdField(body: Record<string, unknown>): number | undefined {
  const value = body.objectId;
  if (value === undefined || value === null) return undefined;
  if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > 255)
    throw new HttpError(400, 'objectId must be an integer from 1 to 255');
  return value as number;
}

function methodField(body: Record<string, unknown>): (typeof SELECT_METHODS)[number] {
  const value = body.method ?? 'network';
  const found = SELECT_METHODS.find((m) => m === value);
  if (!found) throw new HttpError(400, `method must be one of ${SELECT_METHODS.join(', ')}`);
  return found;
}

/** `box: [x0, y0, x1, y1]` (x1, y1 exclusive), inside the image. */
function boxField(body: Record<string, unknown>, image: RgbImage): Box | undefined {
  const value = body.box;
  if (value === undefined || value === null) return undefined;
  const inside =
    Array.isArray(value) &&
    value.length === 4 &&
    value.every((v) => Number.isSafeInteger(v) && v >= 0) &&
    value[0] < value[2] &&
    value[1] < value[3] &&
    value[2] <= image.width &&
    value[3] <= image.height;
  if (!inside) throw new HttpError(400, `box must be [x0, y0, x1, y1]: integers, x0 < x1 <= ${image.width}, y0 < y1 <= ${image.height}`);
  return value as unknown as Box;
}

/** A classic method, replayed box then clicks (no network: it does not wait in the network's queue). */
async function classicSelection(
  method: Exclude<(typeof SELECT_METHODS)[number], 'network'>,
  image: RgbImage,
  box: Box | undefined,
  clicks: readonly Click[],
): Promise<{ mask: Uint8Array; ms: number }> {
  if (!box && clicks.length === 0) throw new HttpError(400, `method ${method} needs a box and/or at least one click`);
  clicks.forEach((c, i) => {
    if (c.x < 0 || c.y < 0 || c.x >= image.width || c.y >= image.height)
      throw new HttpError(400, `click ${i} (${c.x}, ${c.y}) is outside the ${image.width}x${image.height} image`);
  });
  const { selectionMethod } = await import('@objsel/clicks');
  const { replayMethod } = await import('../../method-selection');
  const started = performance.now();
  const { mask } = await replayMethod(selectionMethod(method), image, box, clicks);
  return { mask, ms: performance.now() - started };
}
