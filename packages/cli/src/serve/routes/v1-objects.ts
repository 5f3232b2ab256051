/**
 * `POST /v1/objects`: the client's objects of one image (the server keeps none) as one palette
 * PNG (pixel = object id, VOC colours, later objects on top) and a COCO annotations file —
 * `{width, height, objects: [{objectId, rle, label?}], fileName?}` with each `rle` a COCO RLE of
 * that size (what `/v1/select` answered for the object).
 */
import { cocoAnnotations, objectIndexMap, type MaskObject } from '@objsel/clicks';
import { encodeIndexPng } from '@objsel/voc-data';
import { HttpError } from '../http-json';
import { maskRleField } from '../previous-mask';

export function v1Objects(body: Record<string, unknown>, maxPixels: number): Record<string, unknown> {
  const { width, height } = body;
  if (!Number.isSafeInteger(width) || !Number.isSafeInteger(height) || (width as number) < 1 || (height as number) < 1)
    throw new HttpError(400, 'width and height must be positive integers');
  const [w, h] = [width as number, height as number];
  if (w * h > maxPixels) throw new HttpError(413, `${w}x${h} is over the ${maxPixels}-pixel limit`);
  if (!Array.isArray(body.objects) || body.objects.length === 0)
    throw new HttpError(400, 'objects must be a non-empty array of {objectId, rle}');
  const seen = new Set<number>();
  const objects: MaskObject[] = body.objects.map((item: unknown, k) => {
    const o = (item ?? {}) as Record<string, unknown>;
    const id = o.objectId;
    if (!Number.isInteger(id) || (id as number) < 1 || (id as number) > 255)
      throw new HttpError(400, `objects[${k}].objectId must be an integer from 1 to 255`);
    if (seen.has(id as number)) throw new HttpError(400, `objects[${k}].objectId ${id} is given twice`);
    seen.add(id as number);
    if (o.label !== undefined && typeof o.label !== 'string') throw new HttpError(400, `objects[${k}].label must be a string`);
    const mask = maskRleField(o.rle, `objects[${k}].rle`, w, h);
    return { id: id as number, mask, ...(typeof o.label === 'string' ? { label: o.label } : {}) };
  });
  const fileName = typeof body.fileName === 'string' ? body.fileName : '';
  return {
    width: w,
    height: h,
    png: Buffer.from(encodeIndexPng(objectIndexMap(objects, w, h), w, h)).toString('base64'),
    coco: cocoAnnotations(objects, w, h, { fileName }),
  };
}
