/**
 * Masks that clients send as COCO RLE — compressed (`counts` a string, as answers carry it) or
 * uncompressed (`counts` a list of run lengths) — checked against the image's size. The one of
 * `POST /v1/select` is `previousMask`: the mask the client holds for the object (the last
 * answer's `rle`, possibly edited by hand), a prior blended into the network's probability (see
 * `blendMaskPrior` in @objsel/clicks), not a network input: objsel's networks have no mask channel.
 */
import { decodeCocoRle } from '@objsel/clicks';
import { HttpError } from './http-json';

/** The row-major 0/1 mask of the COCO RLE `value` (field `name`); 400 unless it is one of a `width` x `height` mask. */
export function maskRleField(value: unknown, name: string, width: number, height: number): Uint8Array {
  const shape = `${name} must be a COCO RLE {size: [height, width], counts: string | number[]}`;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new HttpError(400, shape);
  const { size, counts } = value as Record<string, unknown>;
  if (!Array.isArray(size) || size.length !== 2 || !size.every((v) => Number.isSafeInteger(v) && v >= 0)) throw new HttpError(400, shape);
  if (size[0] !== height || size[1] !== width)
    throw new HttpError(400, `${name}.size is [${size[0]}, ${size[1]}] but the image is ${width}x${height} (size is [height, width])`);
  const isCounts = Array.isArray(counts) && counts.every((v) => Number.isSafeInteger(v) && v >= 0);
  if (typeof counts !== 'string' && !isCounts) throw new HttpError(400, `${shape}: counts is neither`);
  try {
    const rleSize: [number, number] = [height, width];
    return decodeCocoRle(typeof counts === 'string' ? { size: rleSize, counts } : { size: rleSize, counts: counts as number[] });
  } catch (error) {
    throw new HttpError(400, `${name}: ${(error as Error).message}`);
  }
}

/** `body.previousMask` decoded, or undefined when absent. */
export function previousMaskField(body: Record<string, unknown>, width: number, height: number): Uint8Array | undefined {
  const value = body.previousMask;
  return value === undefined || value === null ? undefined : maskRleField(value, 'previousMask', width, height);
}
