/** `POST /v1/select`: objsel's own contract (an image or the id of one sent before, clicks, a mask format). */
import { HttpError } from '../http-json';
import { maskFields, maskFormat } from '../mask-output';
import { clicksField, optionalNumber } from '../request-fields';
import type { Selector } from '../selector';

export async function v1Select(body: Record<string, unknown>, selector: Selector): Promise<Record<string, unknown>> {
  const format = maskFormat(body.format);
  const clicks = clicksField(body, 'clicks');
  const threshold = optionalNumber(body, 'threshold', 0, 1);
  let source: { image: import('@objsel/voc-data').RgbImage; imageId: string };
  if (typeof body.image === 'string') source = await selector.imageFromBase64(body.image, 'image');
  else if (typeof body.imageId === 'string') source = { image: selector.imageById(body.imageId), imageId: body.imageId };
  else throw new HttpError(400, 'give image (base64 PNG or JPEG) or imageId (from an earlier answer)');
  const selection = await selector.select(source.image, source.imageId, clicks, threshold === undefined ? {} : { threshold });
  return {
    imageId: selection.imageId,
    ...maskFields(selection.mask, source.image.width, source.image.height, format),
    ms: Math.round(selection.ms * 10) / 10,
  };
}
