/**
 * `previousMask` of `POST /v1/select`: the mask the client holds for the object (what the last
 * answer's `rle` was, possibly edited by hand), as COCO RLE — compressed (`counts` a string, as
 * answers carry it) or uncompressed (`counts` a list of run lengths). It must be the image's size;
 * it is a prior blended into the network's probability (see `blendMaskPrior` in @objsel/clicks),
 * not a network input: objsel's networks have no mask channel.
 */
import { decodeCocoRle } from '@objsel/clicks';
import { HttpError } from './http-json';

/** The row-major 0/1 mask of `body.previousMask`, or undefined when absent; 400 when it is not a COCO RLE of a `width` x `height` mask. */
export function previousMaskField(body: Record<string, unknown>, width: number, height: number): Uint8Array | undefined {
  const value = body.previousMask;
  if (value === undefined || value === null) return undefined;
  const shape = 'previousMask must be a COCO RLE {size: [height, width], counts: string | number[]}';
  if (typeof value !== 'object' || Array.isArray(value)) throw new HttpError(400, shape);
  const { size, counts } = value as Record<string, unknown>;
  if (!Array.isArray(size) || size.length !== 2 || !size.every((v) => Number.isSafeInteger(v) && v >= 0)) throw new HttpError(400, shape);
  if (size[0] !== height || size[1] !== width)
    throw new HttpError(400, `previousMask.size is [${size[0]}, ${size[1]}] but the image is ${width}x${height} (size is [height, width])`);
  const isCounts = Array.isArray(counts) && counts.every((v) => Number.isSafeInteger(v) && v >= 0);
  if (typeof counts !== 'string' && !isCounts) throw new HttpError(400, `${shape}: counts is neither`);
  try {
    const size: [number, number] = [height, width];
    return decodeCocoRle(typeof counts === 'string' ? { size, counts } : { size, counts: counts as number[] });
  } catch (error) {
    throw new HttpError(400, `previousMask: ${(error as Error).message}`);
  }
}
