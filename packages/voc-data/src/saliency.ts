import { VocDataError } from './errors';
import { sniffImageFormat } from './image';
import { readNpy, type NdArray } from './npy';
import { readNpz } from './npz';
import { decodePngToRgb, encodePng } from './png';

/** A float map of `height × width × channels` values (saliency: 1 channel in [0, 1]; attention: one channel per present class). */
export interface FloatMap {
  width: number;
  height: number;
  channels: number;
  data: Float32Array;
}

function toFloat32(a: NdArray): Float32Array {
  if (a.data instanceof Float32Array) return a.data;
  if (a.data instanceof BigInt64Array) return Float32Array.from(a.data, (v) => Number(v));
  return Float32Array.from(a.data as ArrayLike<number>);
}

function arrayToMap(a: NdArray, file: string | undefined, where: string): FloatMap {
  const s = a.shape;
  if (s.length === 2) return { height: s[0]!, width: s[1]!, channels: 1, data: toFloat32(a) };
  if (s.length === 3) return { height: s[0]!, width: s[1]!, channels: s[2]!, data: toFloat32(a) };
  throw new VocDataError('bad-npy', `expected an H×W or H×W×C array, got shape (${s.join(', ')})`, { file, where });
}

/**
 * Reads a saliency or attention map from any of the forms the seeds use: an 8-bit PNG (→ /255,
 * grey or the channel mean of colour), a `.npy`, or a `.npz` (DCSP's `actv` member, else its only
 * member). Arrays are H×W or H×W×C.
 */
export function decodeFloatMap(bytes: Uint8Array, file?: string, key = 'actv'): FloatMap {
  if (sniffImageFormat(bytes) === 'png') {
    const rgb = decodePngToRgb(bytes, file);
    const n = rgb.width * rgb.height;
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = (rgb.data[i * 3]! + rgb.data[i * 3 + 1]! + rgb.data[i * 3 + 2]!) / (3 * 255);
    return { width: rgb.width, height: rgb.height, channels: 1, data };
  }
  if (bytes[0] === 0x93 && bytes[1] === 0x4e) return arrayToMap(readNpy(bytes, file), file, 'npy');
  if (bytes[0] === 0x50 && bytes[1] === 0x4b) {
    const arrays = readNpz(bytes, file);
    const chosen = arrays.get(key) ?? (arrays.size === 1 ? [...arrays.values()][0] : undefined);
    if (!chosen) throw new VocDataError('bad-npy', `no '${key}' array (members: ${[...arrays.keys()].join(', ') || 'none'})`, { file });
    return arrayToMap(chosen, file, key);
  }
  throw new VocDataError('unreadable', 'not a PNG, .npy or .npz map', { file });
}

/** A saliency map (single channel in [0, 1]); `bad-values` if the file has several channels. */
export function decodeSaliency(bytes: Uint8Array, file?: string): FloatMap {
  const map = decodeFloatMap(bytes, file);
  if (map.channels !== 1) throw new VocDataError('bad-values', `saliency must have one channel, got ${map.channels}`, { file });
  return map;
}

/** A [0, 1] map as an 8-bit grey PNG (`round(v * 255)`, clamped). */
export function encodeSaliencyPng(map: { width: number; height: number; data: Float32Array }): Uint8Array {
  const g = new Uint8Array(map.width * map.height);
  for (let i = 0; i < g.length; i++) g[i] = Math.max(0, Math.min(255, Math.round(map.data[i]! * 255)));
  return encodePng({ width: map.width, height: map.height, channels: 1, data: g });
}
