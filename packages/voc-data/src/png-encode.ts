import { zlibSync } from 'fflate';

/**
 * A minimal PNG encoder for 8-bit images: grey, RGB, RGBA or palette, every row with filter 0,
 * one IDAT chunk. Compressed with Node's native zlib where there is one (a 500x334 mask in
 * about 2 ms instead of 30 ms, and no PNG library to load at start-up: short commands such as
 * `objsel graphcut` pay for both), with fflate elsewhere.
 */

/** What {@link encodePngBytes} writes. */
export interface PngPixels {
  width: number;
  height: number;
  /** 1 grey (or palette index), 3 RGB, 4 RGBA, interleaved, 8 bits each. */
  channels: 1 | 3 | 4;
  data: Uint8Array;
  /** RGB triples (at most 256): makes a palette PNG (colour type 3) of the 1-channel indices. */
  palette?: Uint8Array;
}

const SIGNATURE = Uint8Array.of(137, 80, 78, 71, 13, 10, 26, 10);

let crcTable: Uint32Array | undefined;
function crc32(bytes: Uint8Array, from: number, to: number): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = from; i < to; i++) c = crcTable[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

type NodeZlib = { deflateSync(data: Uint8Array): Uint8Array };
let deflate: ((data: Uint8Array) => Uint8Array) | undefined;
/** zlib-wrapped deflate: native in Node (reached as inflate.ts does, without naming `node:zlib` in an import), else fflate. */
function zlibDeflate(data: Uint8Array): Uint8Array {
  if (!deflate) {
    const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
    const zlib = proc?.getBuiltinModule?.('node:zlib') as NodeZlib | undefined;
    deflate =
      zlib && typeof zlib.deflateSync === 'function'
        ? (d) => {
            const out = zlib.deflateSync(d);
            return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
          }
        : (d) => zlibSync(d);
  }
  return deflate(data);
}

/** Encodes 8-bit pixels as a PNG file. */
export function encodePngBytes(image: PngPixels): Uint8Array {
  const { width, height, channels, data, palette } = image;
  if (!Number.isSafeInteger(width) || !Number.isSafeInteger(height) || width < 1 || height < 1)
    throw new RangeError(`PNG size ${width}x${height} is not positive`);
  if (data.length !== width * height * channels) throw new RangeError(`${data.length} bytes for ${width}x${height}x${channels}`);
  if (palette && (channels !== 1 || palette.length % 3 !== 0 || palette.length === 0 || palette.length > 768))
    throw new RangeError(`a palette is 1..256 RGB triples for 1-channel indices, got ${palette.length} bytes, ${channels} channels`);
  const colourType = palette ? 3 : channels === 1 ? 0 : channels === 3 ? 2 : 6;
  const rowBytes = width * channels;
  const raw = new Uint8Array((rowBytes + 1) * height);
  for (let y = 0; y < height; y++) raw.set(data.subarray(y * rowBytes, (y + 1) * rowBytes), y * (rowBytes + 1) + 1); // filter byte 0
  const idat = zlibDeflate(raw);

  const chunks: Array<[string, Uint8Array]> = [];
  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  ihdr.set([8, colourType, 0, 0, 0], 8); // depth 8, deflate, adaptive filtering, no interlace
  chunks.push(['IHDR', ihdr]);
  if (palette) chunks.push(['PLTE', palette]);
  chunks.push(['IDAT', idat], ['IEND', new Uint8Array(0)]);

  const out = new Uint8Array(SIGNATURE.length + chunks.reduce((s, [, c]) => s + 12 + c.length, 0));
  const outView = new DataView(out.buffer);
  out.set(SIGNATURE);
  let at = SIGNATURE.length;
  for (const [type, body] of chunks) {
    outView.setUint32(at, body.length);
    for (let k = 0; k < 4; k++) out[at + 4 + k] = type.charCodeAt(k);
    out.set(body, at + 8);
    outView.setUint32(at + 8 + body.length, crc32(out, at + 4, at + 8 + body.length));
    at += 12 + body.length;
  }
  return out;
}
