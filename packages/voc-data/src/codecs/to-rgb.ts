/** Interleaved 8-bit pixels with 1–4 channels → RGB (grey replicated, alpha dropped). */
export function interleavedToRgb(data: Uint8Array, pixels: number, channels: number): Uint8Array {
  if (channels === 3) return data.length === pixels * 3 ? data : data.subarray(0, pixels * 3);
  const out = new Uint8Array(pixels * 3);
  for (let i = 0; i < pixels; i++) {
    const s = i * channels;
    if (channels <= 2) {
      out[i * 3] = out[i * 3 + 1] = out[i * 3 + 2] = data[s]!;
    } else {
      out[i * 3] = data[s]!;
      out[i * 3 + 1] = data[s + 1]!;
      out[i * 3 + 2] = data[s + 2]!;
    }
  }
  return out;
}
