import { VocDataError } from './errors';
import { inflate } from './inflate';

/** A decoded PNG before any colour interpretation. */
export interface PngPixels {
  width: number;
  height: number;
  /** PNG colour type: 0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA. */
  colorType: number;
  depth: number;
  channels: number;
  /** One sample per pixel and channel at its native depth (sub-byte depths unpacked, 16-bit big-endian read). */
  samples: Uint8Array | Uint16Array;
  /** PLTE entries as RGB triples (colour type 3). */
  palette?: Uint8Array;
}

const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const DEPTHS: Record<number, number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };
const MAX_SAMPLES = 1 << 28;
// Adam7 passes: x start, y start, x step, y step.
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;

/** Reverses the PNG row filters in place over `rows` rows of `rowBytes` bytes (each preceded by its filter byte). */
function unfilter(
  data: Uint8Array,
  start: number,
  rows: number,
  rowBytes: number,
  bpp: number,
  out: Uint8Array,
  fail: (m: string) => never,
): void {
  let prev = -1; // offset of the previous unfiltered row in `out`
  for (let y = 0; y < rows; y++) {
    const f = data[start + y * (rowBytes + 1)]!;
    const src = start + y * (rowBytes + 1) + 1;
    const dst = y * rowBytes;
    switch (f) {
      case 0:
        out.set(data.subarray(src, src + rowBytes), dst);
        break;
      case 1:
        for (let i = 0; i < rowBytes; i++) out[dst + i] = (data[src + i]! + (i >= bpp ? out[dst + i - bpp]! : 0)) & 255;
        break;
      case 2:
        if (prev < 0) out.set(data.subarray(src, src + rowBytes), dst);
        else for (let i = 0; i < rowBytes; i++) out[dst + i] = (data[src + i]! + out[prev + i]!) & 255;
        break;
      case 3:
        for (let i = 0; i < rowBytes; i++) {
          const a = i >= bpp ? out[dst + i - bpp]! : 0;
          const b = prev >= 0 ? out[prev + i]! : 0;
          out[dst + i] = (data[src + i]! + ((a + b) >> 1)) & 255;
        }
        break;
      case 4:
        for (let i = 0; i < rowBytes; i++) {
          const a = i >= bpp ? out[dst + i - bpp]! : 0;
          const b = prev >= 0 ? out[prev + i]! : 0;
          const c = i >= bpp && prev >= 0 ? out[prev + i - bpp]! : 0;
          const p = a + b - c;
          const pa = Math.abs(p - a);
          const pb = Math.abs(p - b);
          const pc = Math.abs(p - c);
          out[dst + i] = (data[src + i]! + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c)) & 255;
        }
        break;
      default:
        fail(`bad filter type ${f} in row ${y}`);
    }
    prev = dst;
  }
}

/** Unpacks `width` samples per row from unfiltered bytes into `target` at sample positions given by `place`. */
function unpackRows(
  bytes: Uint8Array,
  rows: number,
  width: number,
  channels: number,
  depth: number,
  rowBytes: number,
  target: Uint8Array | Uint16Array,
  place: (row: number, col: number) => number,
): void {
  const perRow = width * channels;
  for (let y = 0; y < rows; y++) {
    const r = y * rowBytes;
    if (depth === 8) {
      for (let x = 0; x < width; x++) {
        const t = place(y, x) * channels;
        for (let k = 0; k < channels; k++) target[t + k] = bytes[r + x * channels + k]!;
      }
    } else if (depth === 16) {
      for (let x = 0; x < width; x++) {
        const t = place(y, x) * channels;
        for (let k = 0; k < channels; k++) {
          const o = r + (x * channels + k) * 2;
          target[t + k] = (bytes[o]! << 8) | bytes[o + 1]!;
        }
      }
    } else {
      const mask = (1 << depth) - 1;
      for (let s = 0; s < perRow; s++) {
        const bit = s * depth;
        target[place(y, s)] = (bytes[r + (bit >> 3)]! >> (8 - depth - (bit & 7))) & mask;
      }
    }
  }
}

/**
 * Decodes any standard PNG (colour types 0/2/3/4/6, bit depths 1–16, Adam7 interlacing) into raw
 * samples. CRCs are not verified (the zlib checksum still is); truncated or malformed files are
 * `unreadable` errors naming `file`.
 */
export function decodePngPixels(bytes: Uint8Array, file?: string): PngPixels {
  const fail = (message: string, at?: number): never => {
    throw new VocDataError('unreadable', `not a readable PNG (${message})`, { file, ...(at !== undefined ? { where: `byte ${at}` } : {}) });
  };
  const sig = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (bytes.length < 8 || sig.some((v, i) => bytes[i] !== v)) fail('no PNG signature', 0);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 8;
  let width = 0;
  let height = 0;
  let depth = 0;
  let colorType = -1;
  let interlace = 0;
  let palette: Uint8Array | undefined;
  const idat: Uint8Array[] = [];
  let idatLength = 0;
  let ended = false;
  while (pos + 8 <= bytes.length) {
    const length = view.getUint32(pos);
    const type = String.fromCharCode(bytes[pos + 4]!, bytes[pos + 5]!, bytes[pos + 6]!, bytes[pos + 7]!);
    const start = pos + 8;
    if (start + length > bytes.length) fail(`truncated ${type} chunk`, pos);
    const data = bytes.subarray(start, start + length);
    if (type === 'IHDR') {
      if (length < 13) fail('short IHDR', pos);
      width = view.getUint32(start);
      height = view.getUint32(start + 4);
      depth = data[8]!;
      colorType = data[9]!;
      interlace = data[12]!;
      if (data[10] !== 0 || data[11] !== 0 || interlace > 1) fail('unknown compression, filter or interlace method', pos);
      if (!DEPTHS[colorType]?.includes(depth)) fail(`colour type ${colorType} with bit depth ${depth}`, pos);
      if (width === 0 || height === 0) fail(`empty size ${width}x${height}`, pos);
      if (width * height * CHANNELS[colorType]! > MAX_SAMPLES) fail(`too large (${width}x${height})`, pos);
    } else if (type === 'PLTE') {
      palette = data.slice(0, length - (length % 3));
    } else if (type === 'IDAT') {
      idat.push(data);
      idatLength += length;
    } else if (type === 'IEND') {
      ended = true;
      break;
    }
    pos = start + length + 4;
  }
  if (colorType < 0) fail('no IHDR chunk');
  if (idat.length === 0) fail('no image data (IDAT)');
  if (!ended && pos + 8 > bytes.length && pos !== bytes.length) fail('truncated file (no IEND)');
  if (colorType === 3 && !palette) fail('palette image without a PLTE chunk');
  const channels = CHANNELS[colorType]!;
  const bitsPerPixel = channels * depth;
  const bpp = Math.max(1, bitsPerPixel >> 3);
  const passes = interlace
    ? ADAM7.map(([xs, ys, dx, dy]) => ({ xs, ys, dx, dy, w: Math.ceil((width - xs) / dx), h: Math.ceil((height - ys) / dy) })).filter(
        (p) => p.w > 0 && p.h > 0,
      )
    : [{ xs: 0, ys: 0, dx: 1, dy: 1, w: width, h: height }];
  let expected = 0;
  for (const p of passes) expected += p.h * (Math.ceil((p.w * bitsPerPixel) / 8) + 1);
  let compressed: Uint8Array;
  if (idat.length === 1) compressed = idat[0]!;
  else {
    compressed = new Uint8Array(idatLength);
    let o = 0;
    for (const c of idat) {
      compressed.set(c, o);
      o += c.length;
    }
  }
  let raw: Uint8Array;
  try {
    raw = inflate(compressed, expected);
  } catch (error) {
    return fail(`image data does not inflate: ${(error as Error).message}`);
  }
  if (raw.length < expected) fail(`truncated image data: ${raw.length} of ${expected} bytes`);
  const samples = depth === 16 ? new Uint16Array(width * height * channels) : new Uint8Array(width * height * channels);
  let offset = 0;
  for (const p of passes) {
    const rowBytes = Math.ceil((p.w * bitsPerPixel) / 8);
    const rows = new Uint8Array(rowBytes * p.h);
    unfilter(raw, offset, p.h, rowBytes, bpp, rows, fail);
    offset += p.h * (rowBytes + 1);
    if (!interlace && depth === 8) {
      samples.set(rows);
      continue;
    }
    // Sub-byte depths only occur with one channel, so `col` is also the sample index there.
    unpackRows(rows, p.h, p.w, channels, depth, rowBytes, samples, (row, col) => (p.ys + row * p.dy) * width + p.xs + col * p.dx);
  }
  return { width, height, colorType, depth, channels, samples, ...(palette ? { palette } : {}) };
}
