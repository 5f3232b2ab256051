import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { DeepLabResNet, DeepLabSegmenter, MSC_SCALES, loadBackend, resnetConfig } from '../src/index';
import { stockKernel } from '../src/kernels/conv-grad';

/** Direct float64 convolution gradients (NHWC, HWIO) with explicit pads: the ground truth. */
function denseGradients(
  x: Float32Array,
  xs: number[],
  f: Float32Array,
  fs: number[],
  dy: Float32Array,
  ys: number[],
  stride: number,
  top: number,
  left: number,
): { dx: Float64Array; dw: Float64Array } {
  const [n, h, w, ci] = xs as [number, number, number, number];
  const [kh, kw, , co] = fs as [number, number, number, number];
  const [, ho, wo] = ys as [number, number, number, number];
  const dx = new Float64Array(x.length);
  const dw = new Float64Array(f.length);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < ho; i++)
      for (let j = 0; j < wo; j++)
        for (let p = 0; p < kh; p++)
          for (let q = 0; q < kw; q++) {
            const r = i * stride + p - top;
            const c = j * stride + q - left;
            if (r < 0 || r >= h || c < 0 || c >= w) continue;
            for (let a = 0; a < ci; a++) {
              const xi = ((b * h + r) * w + c) * ci + a;
              for (let o = 0; o < co; o++) {
                const g = dy[((b * ho + i) * wo + j) * co + o]!;
                const fi = ((p * kw + q) * ci + a) * co + o;
                dx[xi]! += g * f[fi]!;
                dw[fi]! += g * x[xi]!;
              }
            }
          }
  return { dx, dw };
}

function relMaxError(got: Float32Array, want: Float64Array): number {
  let err = 0;
  let scale = 1e-6;
  for (let i = 0; i < want.length; i++) {
    err = Math.max(err, Math.abs(got[i]! - want[i]!));
    scale = Math.max(scale, Math.abs(want[i]!));
  }
  return err / scale;
}

const CASES = [
  { h: 9, w: 9, k: 3, stride: 1, pad: 'same' as const },
  { h: 10, w: 7, k: 3, stride: 2, pad: 'same' as const },
  { h: 9, w: 8, k: 1, stride: 2, pad: 'same' as const },
  { h: 8, w: 11, k: 3, stride: 1, pad: 'valid' as const },
  { h: 11, w: 9, k: 3, stride: 2, pad: 'valid' as const },
  { h: 7, w: 7, k: 1, stride: 1, pad: 'valid' as const },
  { h: 12, w: 13, k: 7, stride: 2, pad: 'same' as const },
  // the pointwise (GEMM) filter gradient and the host-memory rotated filter
  { h: 6, w: 9, k: 1, stride: 1, pad: 'same' as const },
  { h: 10, w: 8, k: 5, stride: 1, pad: 'same' as const },
  // the im2col filter gradient's row copies (>= 16 channels)
  { h: 7, w: 6, k: 3, stride: 1, pad: 'same' as const, ci: 20 },
  { h: 9, w: 8, k: 3, stride: 2, pad: 'same' as const, ci: 17 },
];

describe.each(['wasm', 'cpu'] as const)('patched convolution gradients on %s', (backend) => {
  beforeAll(async () => {
    await loadBackend(backend);
  });

  it('registers the patched kernels (and, on wasm, the missing ones)', () => {
    expect(tf.getKernel('Conv2DBackpropFilter', backend)).toBeDefined();
    expect(tf.getKernel('Conv2DBackpropInput', backend)).toBeDefined();
    expect(tf.getKernel('DepthwiseConv2dNativeBackpropFilter', backend)).toBeDefined();
    expect(tf.getKernel('DepthwiseConv2dNativeBackpropInput', backend)).toBeDefined();
    // The patch replaced the stock kernels (kept for fall-backs).
    expect(tf.getKernel('Conv2DBackpropFilter', backend)).not.toBe(stockKernel('Conv2DBackpropFilter', backend));
  });

  it.each(CASES)('dX and dW equal the direct sums: $h x $w, k$k, stride $stride, $pad', async ({ h, w, k, stride, pad, ...rest }) => {
    const ci = ('ci' in rest ? rest.ci : undefined) ?? 3;
    const before = tf.memory().numTensors;
    const x = tf.randomNormal([2, h, w, ci], 0, 1, 'float32', h * w) as tf.Tensor4D;
    const f = tf.randomNormal([k, k, ci, 4], 0, 1, 'float32', k) as tf.Tensor4D;
    const y = tf.conv2d(x, f, stride, pad);
    const dy = tf.randomNormal(y.shape, 0, 1, 'float32', 9) as tf.Tensor4D;
    const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, stride, pad), dy)),
    )([x, f]);
    const info = tf.backend_util.computeConv2DInfo(x.shape, f.shape, stride, 1, pad);
    const want = denseGradients(
      (await x.data()) as Float32Array,
      x.shape,
      (await f.data()) as Float32Array,
      f.shape,
      (await dy.data()) as Float32Array,
      dy.shape,
      stride,
      info.padInfo.top,
      info.padInfo.left,
    );
    expect(relMaxError((await dx!.data()) as Float32Array, want.dx)).toBeLessThan(1e-5);
    expect(relMaxError((await dw!.data()) as Float32Array, want.dw)).toBeLessThan(1e-5);
    tf.dispose([x, f, y, dy, dx!, dw!]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('depthwise gradients equal the cpu reference', async () => {
    const x = tf.randomNormal([1, 8, 7, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    const f = tf.randomNormal([3, 3, 3, 2], 0, 1, 'float32', 2) as tf.Tensor4D;
    const run = () =>
      tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same'))))([
        x,
        f,
      ]);
    const [dx, dw] = run();
    const got = [(await dx!.data()) as Float32Array, (await dw!.data()) as Float32Array];
    await loadBackend('cpu');
    const [rx, rw] = run();
    const want = [(await rx!.data()) as Float32Array, (await rw!.data()) as Float32Array];
    await loadBackend(backend);
    for (let i = 0; i < 2; i++) expect(relMaxError(got[i]!, Float64Array.from(want[i]!))).toBeLessThan(1e-5);
    tf.dispose([x, f, dx!, dw!, rx!, rw!]);
  });

  it('registers every kernel the forward, backward and inference graphs of the network use', async () => {
    const model = DeepLabResNet.create(resnetConfig(50, { widthMultiplier: 1 / 16, blocks: [1, 1, 1, 1], numClasses: 3 }), { seed: 1 });
    const x = tf.randomNormal([1, 19, 17, 3], 0, 50, 'float32', 3) as tf.Tensor4D;
    const used = new Set<string>();
    const trainable = [...model.variables.values()].filter((v) => v.trainable);
    // Record every kernel run (forward in both BN modes, the gradients, the inference path).
    const engine = tf.engine() as unknown as { runKernel(name: string, ...rest: unknown[]): unknown };
    const runKernel = engine.runKernel.bind(engine);
    engine.runKernel = (name: string, ...rest: unknown[]) => {
      used.add(name);
      return runKernel(name, ...rest);
    };
    try {
      for (const trainBatchNorm of [false, true]) {
        const { value, grads } = tf.variableGrads(
          () => tf.mean(tf.square(model.forward(x, { trainBatchNorm }).logits)) as tf.Scalar,
          trainable,
        );
        tf.dispose([value, ...Object.values(grads)]);
      }
      for (const fold of [true, false]) {
        const segmenter = DeepLabSegmenter.fromModel(model, { fold });
        const image = { width: 17, height: 19, data: new Uint8Array(17 * 19 * 3).fill(90) };
        await segmenter.segment(image, { scales: MSC_SCALES, probabilities: true, logits: true });
        segmenter.dispose();
      }
    } finally {
      engine.runKernel = runKernel;
    }
    const registered = new Set(tf.getKernelsForBackend(backend).map((k) => k.kernelName));
    const missing = [...used].filter((k) => !registered.has(k));
    expect(used.has('Conv2DBackpropFilter')).toBe(true);
    expect(used.has('Transpose')).toBe(true);
    expect(used.has('FusedConv2D')).toBe(true);
    expect(used.has('ResizeBilinear')).toBe(true);
    expect(missing).toEqual([]);
    tf.dispose(x);
    model.dispose();
  });
});
