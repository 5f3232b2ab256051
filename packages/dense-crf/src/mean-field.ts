/**
 * `q[i] = softmax(energy[i])` for every pixel i of pixel-major arrays with `labels` values per
 * pixel (densecrf's expAndNormalize: subtract the max, exponentiate, divide by the sum).
 * `from`/`to` restrict it to a range of pixels (the parallel engine splits by pixels).
 */
export function expAndNormalize(energy: Float32Array, q: Float32Array, labels: number, from = 0, to = energy.length / labels): void {
  for (let i = from; i < to; i++) {
    const base = i * labels;
    let max = energy[base]!;
    for (let k = 1; k < labels; k++) if (energy[base + k]! > max) max = energy[base + k]!;
    let sum = 0;
    for (let k = 0; k < labels; k++) {
      const e = Math.exp(energy[base + k]! - max);
      q[base + k] = e;
      sum += e;
    }
    const inv = 1 / sum;
    for (let k = 0; k < labels; k++) q[base + k]! *= inv;
  }
}
