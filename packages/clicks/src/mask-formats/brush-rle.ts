/**
 * Label Studio's brush RLE (`brushlabels` results with `format: "rle"`): the mask as RGBA bytes
 * (every channel 255 where selected, 0 elsewhere, row-major), packed by thi.ng's rle-pack bit
 * stream as label-studio-converter's `brush.encode_rle` writes it — a 32-bit value count, the
 * word size (8) and four run-length field sizes (3, 4, 8, 16 bits), then per run: a repeat bit,
 * a 2-bit size index, the run length minus one and the 8-bit value.
 */
import { ClicksError } from '../errors';

const WORD_SIZE = 8;
const RLE_SIZES = [3, 4, 8, 16] as const;

/** Appends bits most significant first, as Python's `f'{v:0nb}'` strings concatenated. */
class BitWriter {
  readonly bytes: number[] = [];
  private current = 0;
  private filled = 0;

  write(value: number, bits: number): void {
    for (let b = bits - 1; b >= 0; b--) {
      this.current = (this.current << 1) | (Math.floor(value / 2 ** b) & 1);
      if (++this.filled === 8) {
        this.bytes.push(this.current);
        this.current = 0;
        this.filled = 0;
      }
    }
  }

  /** Zero padding as `encode_rle` adds it: `8 - bits % 8` zeros, so a whole byte when already aligned. */
  finish(): number[] {
    const pad = 8 - this.filled;
    this.write(0, pad);
    return this.bytes;
  }
}

class BitReader {
  private position = 0;
  constructor(private readonly bytes: ArrayLike<number>) {}

  read(bits: number): number {
    let value = 0;
    for (let b = 0; b < bits; b++) {
      const index = this.position >> 3;
      if (index >= this.bytes.length) throw new ClicksError('bad-parameter', 'a brush RLE ends early', { where: `bit ${this.position}` });
      const bit = (this.bytes[index]! >> (7 - (this.position & 7))) & 1;
      value = value * 2 + bit;
      this.position++;
    }
    return value;
  }
}

/** Encodes bytes (each 0..255) as `brush.encode_rle(values)` does. */
export function encodeBrushRleValues(values: ArrayLike<number>): number[] {
  const out = new BitWriter();
  out.write(values.length, 32);
  out.write(WORD_SIZE - 1, 5);
  for (const size of RLE_SIZES) out.write(size - 1, 4);
  let i = 0;
  while (i < values.length) {
    const value = values[i]!;
    let j = i + 1;
    while (j < values.length && values[j] === value) j++;
    const run = j - i;
    if (run === 1) {
      out.write(0, 1); // a literal block of one value
      out.write(0, 2);
      out.write(0, 3);
    } else if (run <= 8) {
      out.write(1, 1);
      out.write(0, 2);
      out.write(run - 1, 3);
    } else if (run <= 16) {
      out.write(1, 1);
      out.write(1, 2);
      out.write(run - 1, 4);
    } else if (run <= 256) {
      out.write(1, 1);
      out.write(2, 2);
      out.write(run - 1, 8);
    } else {
      let rest = run;
      while (rest > 2 ** 16) {
        out.write(1, 1);
        out.write(3, 2);
        out.write(2 ** 16 - 1, 16);
        out.write(value, WORD_SIZE);
        rest -= 2 ** 16;
      }
      out.write(1, 1);
      out.write(3, 2);
      out.write(rest - 1, 16);
    }
    out.write(value, WORD_SIZE);
    i = j;
  }
  return out.finish();
}

/** Decodes any rle-pack stream (`brush.decode_rle`): the value count comes from the header. */
export function decodeBrushRleValues(rle: ArrayLike<number>): Uint8Array | Uint16Array | Uint32Array {
  const input = new BitReader(rle);
  const count = input.read(32);
  const wordSize = input.read(5) + 1;
  const sizes = [0, 0, 0, 0].map(() => input.read(4) + 1);
  if (count > 2 ** 30) throw new ClicksError('bad-parameter', `a brush RLE of ${count} values is too large`);
  const out = wordSize < 9 ? new Uint8Array(count) : wordSize < 17 ? new Uint16Array(count) : new Uint32Array(count);
  let i = 0;
  while (i < count) {
    const repeat = input.read(1);
    const j = Math.min(count, i + 1 + input.read(sizes[input.read(2)]!));
    if (repeat) {
      out.fill(input.read(wordSize), i, j);
      i = j;
    } else {
      for (; i < j; i++) out[i] = input.read(wordSize);
    }
  }
  return out;
}

/** A row-major mask as Label Studio brush RLE (RGBA, 255 where selected), like `brush.mask2rle(mask * 255)`. */
export function encodeBrushRle(mask: ArrayLike<number>, width: number, height: number): number[] {
  if (mask.length !== width * height)
    throw new ClicksError('bad-shape', `a ${width}x${height} mask needs ${width * height} values, got ${mask.length}`);
  const rgba = new Uint8Array(mask.length * 4);
  for (let p = 0; p < mask.length; p++) if (mask[p]) rgba.fill(255, p * 4, p * 4 + 4);
  return encodeBrushRleValues(rgba);
}

/** The row-major 0/1 mask of a brush RLE: the alpha channel, non-zero as selected (as Label Studio's converter reads it). */
export function decodeBrushRle(rle: ArrayLike<number>, width: number, height: number): Uint8Array {
  const values = decodeBrushRleValues(rle);
  if (values.length !== width * height * 4)
    throw new ClicksError('bad-shape', `a brush RLE of ${values.length} values is not a ${width}x${height} RGBA image`);
  const mask = new Uint8Array(width * height);
  for (let p = 0; p < mask.length; p++) mask[p] = values[p * 4 + 3]! > 0 ? 1 : 0;
  return mask;
}
