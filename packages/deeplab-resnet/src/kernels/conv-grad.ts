/**
 * Convolution-gradient kernels that run as forward convolutions, registered for the CPU
 * backends: tfjs-backend-wasm 4.22 registers no `Conv2DBackpropFilter` at all and a slow
 * `Conv2DBackpropInput`; cpu's `Conv2DBackpropFilter` takes 43 s on a 64-channel 64x64 layer.
 * Rewritten as `Conv2D` (XNNPACK on wasm) a ResNet block's training step drops from 256 s (cpu)
 * to 0.45 s (wasm).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';

/** The arguments TF.js hands a kernel function. */

/** Runs another kernel of the same backend directly (no engine bookkeeping, no tape). */
function run(
  kernelName: string,
  backendName: string,
  backend: tf.KernelBackend,
  inputs: Record<string, TensorInfo>,
  attrs: object,
): TensorInfo {
  const kernel = tf.getKernel(kernelName, backendName);
  if (!kernel) throw new Error(`kernel '${kernelName}' is not registered for backend '${backendName}'`);
  return kernel.kernelFunc({ inputs, backend, attrs: attrs as never }) as TensorInfo;
}

function dispose(backend: tf.KernelBackend, infos: TensorInfo[], keep: TensorInfo): void {
  for (const info of new Set(infos)) if (info !== keep) backend.disposeData(info.dataId);
}

/** The original kernels replaced on each backend, kept for fall-backs and tests. */
const stockKernels = new Map<string, tf.KernelConfig | undefined>();

/**
 * The kernel that was registered for `kernelName` on `backendName` before
 * {@link registerConvGradKernels} replaced it (undefined if there was none, e.g. wasm's
 * `Conv2DBackpropFilter`).
 */
export function stockKernel(kernelName: string, backendName: string): tf.KernelConfig | undefined {
  const key = `${backendName}/${kernelName}`;
  return stockKernels.has(key) ? stockKernels.get(key) : tf.getKernel(kernelName, backendName);
}

function replaceKernel(kernelName: string, backendName: string, kernelFunc: KernelFunc): void {
  const key = `${backendName}/${kernelName}`;
  if (!stockKernels.has(key)) stockKernels.set(key, tf.getKernel(kernelName, backendName));
  const stock = stockKernels.get(key);
  if (tf.getKernel(kernelName, backendName)) tf.unregisterKernel(kernelName, backendName);
  // Keep the stock kernel's setup (wasm binds its C function there) so the fall-back still works.
  tf.registerKernel({ kernelName, backendName, kernelFunc, ...(stock?.setupFunc ? { setupFunc: stock.setupFunc } : {}) });
}

function isNhwc(dataFormat: unknown): boolean {
  return dataFormat === undefined || dataFormat === 'NHWC';
}

/**
 * `Conv2DBackpropFilter` as one forward convolution: with the batch and channel axes of `x`
 * swapped (`xᵀ[ci, H, W, n]`) and `dy` as the filter (`dyᵀ[Ho, Wo, n, co]`, dilated by the
 * stride), `conv2d(xᵀ, dyᵀ)[ci, kh, kw, co] = Σ x[n, kh + i·s, kw + j·s, ci] · dy[n, i, j, co]`,
 * which is `dW` after slicing to the kernel size and transposing back.
 */
function conv2dBackpropFilter(backendName: string, fallback: KernelFunc | undefined): KernelFunc {
  return (args) => {
    const { inputs, attrs } = args;
    const backend = args.backend as tf.KernelBackend;
    const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
    const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
    if (!isNhwc(dataFormat)) {
      if (fallback) return fallback(args);
      throw new Error(`Conv2DBackpropFilter: only NHWC is supported here, got ${String(dataFormat)}`);
    }
    const info = tf.backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      filterShape,
      strides,
      1,
      pad,
      dimRoundingMode,
    );
    const { top, bottom, left, right } = info.padInfo;
    if (
      filterShape[0] === 1 &&
      filterShape[1] === 1 &&
      info.strideHeight === 1 &&
      info.strideWidth === 1 &&
      top + bottom + left + right === 0
    ) {
      return pointwiseBackpropFilter(backendName, backend, x, dy);
    }
    const memory = x.dtype === 'float32' && dy.dtype === 'float32' ? hostMemory(backend) : undefined;
    if (memory) return im2colBackpropFilter(backendName, backend, memory, x, dy, info);
    const xT = run('Transpose', backendName, backend, { x }, { perm: [3, 1, 2, 0] });
    const dyT = run('Transpose', backendName, backend, { x: dy }, { perm: [1, 2, 0, 3] });
    const out = run(
      'Conv2D',
      backendName,
      backend,
      { x: xT, filter: dyT },
      {
        strides: [1, 1],
        pad: [
          [0, 0],
          [top, bottom],
          [left, right],
          [0, 0],
        ],
        dataFormat: 'NHWC',
        dilations: [info.strideHeight, info.strideWidth],
      },
    );
    const [kh, kw] = filterShape;
    const cut =
      out.shape[1] === kh && out.shape[2] === kw
        ? out
        : run('Slice', backendName, backend, { x: out }, { begin: [0, 0, 0, 0], size: [out.shape[0], kh, kw, out.shape[3]] });
    const result = run('Transpose', backendName, backend, { x: cut }, { perm: [1, 2, 0, 3] });
    dispose(backend, [xT, dyT, out, cut], result);
    return result;
  };
}

/**
 * `dW` of a stride-1 1x1 convolution, `xᵀ·dy` over the `M = n·H·W` positions, as a 1x1
 * convolution of `xᵀ` (`ci` images of one pixel with `M` channels) with `dy` as an `M → co`
 * filter: one XNNPACK GEMM, ~2.5x faster than the general form, which convolves single-channel
 * `H x W` images with an `H x W` kernel.
 */
function pointwiseBackpropFilter(backendName: string, backend: tf.KernelBackend, x: TensorInfo, dy: TensorInfo): TensorInfo {
  const [n, h, w, ci] = x.shape as [number, number, number, number];
  const co = dy.shape[3]!;
  const m = n * h * w;
  const rows = run('Reshape', backendName, backend, { x }, { shape: [m, ci] });
  const columns = run('Transpose', backendName, backend, { x: rows }, { perm: [1, 0] });
  const images = run('Reshape', backendName, backend, { x: columns }, { shape: [ci, 1, 1, m] });
  const filter = run('Reshape', backendName, backend, { x: dy }, { shape: [1, 1, m, co] });
  const out = run(
    'Conv2D',
    backendName,
    backend,
    { x: images, filter },
    { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dilations: [1, 1] },
  );
  const result = run('Reshape', backendName, backend, { x: out }, { shape: [1, 1, ci, co] });
  dispose(backend, [rows, columns, images, filter, out], result);
  return result;
}

/**
 * `dW` of any convolution as one GEMM: `dWᵀ[co, (ky, kx, ci)] = dyᵀ[co, M] · cols[M, (ky, kx, ci)]`
 * with `cols` the im2col matrix of `x` (built in host memory by row copies), run as a 1x1
 * convolution of `co` one-pixel images with `M` channels. The general forward-convolution form
 * convolves `ci` single-channel images with an output-sized kernel, which XNNPACK runs ~2x
 * slower than the same arithmetic as a GEMM.
 */
function im2colBackpropFilter(
  backendName: string,
  backend: tf.KernelBackend,
  memory: HostMemory,
  x: TensorInfo,
  dy: TensorInfo,
  info: tf.backend_util.Conv2DInfo,
): TensorInfo {
  const [n, h, w, ci] = x.shape as [number, number, number, number];
  const [, ho, wo, co] = dy.shape as [number, number, number, number];
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  const { top, left } = info.padInfo;
  const m = n * ho * wo;
  const k = kh * kw * ci;
  const cols = memory.allocate([1, 1, m, k]);
  {
    const src = memory.values(x);
    const dst = memory.values(cols);
    let row = 0;
    for (let b = 0; b < n; b++) {
      for (let i = 0; i < ho; i++) {
        for (let j = 0; j < wo; j++, row += k) {
          let at = row;
          for (let ky = 0; ky < kh; ky++) {
            const r = i * sh + ky * dh - top;
            for (let kx = 0; kx < kw; kx++, at += ci) {
              const c = j * sw + kx * dw - left;
              if (r < 0 || r >= h || c < 0 || c >= w) {
                dst.fill(0, at, at + ci);
                continue;
              }
              const from = ((b * h + r) * w + c) * ci;
              if (ci >= 16) dst.set(src.subarray(from, from + ci), at);
              else for (let a = 0; a < ci; a++) dst[at + a] = src[from + a]!;
            }
          }
        }
      }
    }
  }
  const dyRows = run('Reshape', backendName, backend, { x: dy }, { shape: [m, co] });
  const dyColumns = run('Transpose', backendName, backend, { x: dyRows }, { perm: [1, 0] });
  const images = run('Reshape', backendName, backend, { x: dyColumns }, { shape: [co, 1, 1, m] });
  const product = run(
    'Conv2D',
    backendName,
    backend,
    { x: images, filter: cols },
    { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dilations: [1, 1] },
  );
  const result = memory.allocate([kh, kw, ci, co]);
  {
    const src = memory.values(product); // [co, k]
    const dst = memory.values(result); // [k, co]
    for (let o = 0; o < co; o++) {
      const from = o * k;
      for (let q = 0; q < k; q++) dst[q * co + o] = src[from + q]!;
    }
  }
  dispose(backend, [cols, dyRows, dyColumns, images, product], result);
  return result;
}

/** The views a CPU backend gives on a float32 tensor's values, and a way to make new tensors. */
interface HostMemory {
  values(info: TensorInfo): Float32Array;
  allocate(shape: number[]): TensorInfo;
}

function hostMemory(backend: tf.KernelBackend): HostMemory | undefined {
  const b = backend as unknown as {
    typedArrayFromHeap?: (info: TensorInfo) => Float32Array;
    makeOutput?: (shape: number[], dtype: string) => TensorInfo;
    makeTensorInfo?: (shape: number[], dtype: string, values: Float32Array) => TensorInfo;
  };
  if (typeof b.typedArrayFromHeap === 'function' && typeof b.makeOutput === 'function') {
    // wasm: views straight into the heap (taken after any allocation, which may grow it).
    return { values: (info) => b.typedArrayFromHeap!(info), allocate: (shape) => b.makeOutput!(shape, 'float32') };
  }
  if (typeof b.makeTensorInfo === 'function') {
    // cpu: readSync hands out the backing array itself.
    return {
      values: (info) => backend.readSync(info.dataId) as Float32Array,
      allocate: (shape) => b.makeTensorInfo!(shape, 'float32', new Float32Array(shape.reduce((a, v) => a * v, 1))),
    };
  }
  return undefined;
}

/**
 * The filter of the input gradient, `F[i, j, co, ci] = W[kh−1−i, kw−1−j, ci, co]`, in one pass
 * over host memory: the backends' `Reverse` and `Transpose` kernels cost 40–60 ns per element
 * on wasm, which over ResNet-101's 44M weights is seconds per step.
 */
function rotatedSwappedFilter(
  backendName: string,
  backend: tf.KernelBackend,
  filter: TensorInfo,
): { result: TensorInfo; temporaries: TensorInfo[] } {
  const [kh, kw, ci, co] = filter.shape as [number, number, number, number];
  const memory = filter.dtype === 'float32' ? hostMemory(backend) : undefined;
  if (!memory) {
    const reversed = kh === 1 && kw === 1 ? filter : run('Reverse', backendName, backend, { x: filter }, { dims: [0, 1] });
    const swapped = run('Transpose', backendName, backend, { x: reversed }, { perm: [0, 1, 3, 2] });
    return { result: swapped, temporaries: reversed === filter ? [] : [reversed] };
  }
  const result = memory.allocate([kh, kw, co, ci]);
  const src = memory.values(filter);
  const dst = memory.values(result);
  const taps = kh * kw;
  const block = ci * co;
  for (let t = 0; t < taps; t++) {
    const from = t * block;
    const to = (taps - 1 - t) * block;
    for (let i = 0; i < ci; i++) {
      const row = from + i * co;
      for (let o = 0; o < co; o++) dst[to + o * ci + i] = src[row + o]!;
    }
  }
  return { result, temporaries: [] };
}

/**
 * Stride-1 `Conv2DBackpropInput` as one forward convolution of `dy` with the kernel rotated by
 * 180° and its in/out channels swapped, padded by `k - 1 - pad` on each side. Other strides (and
 * paddings that would need a negative pad) use the backend's own kernel.
 */
function conv2dBackpropInput(backendName: string, fallback: KernelFunc | undefined): KernelFunc {
  return (args) => {
    const { inputs, attrs } = args;
    const backend = args.backend as tf.KernelBackend;
    const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
    const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs as unknown as tf.Conv2DBackpropInputAttrs;
    const filterShape = filter.shape as [number, number, number, number];
    const info = tf.backend_util.computeConv2DInfo(inputShape, filterShape, strides, 1, pad, dimRoundingMode);
    const [kh, kw] = filterShape;
    const { top, bottom, left, right } = info.padInfo;
    const pads = [kh - 1 - top, kh - 1 - bottom, kw - 1 - left, kw - 1 - right];
    if (!isNhwc(dataFormat) || info.strideHeight !== 1 || info.strideWidth !== 1 || pads.some((p) => p < 0)) {
      if (fallback) return fallback(args);
      throw new Error('Conv2DBackpropInput: no kernel for this case');
    }
    const { result: swapped, temporaries } = rotatedSwappedFilter(backendName, backend, filter);
    const result = run(
      'Conv2D',
      backendName,
      backend,
      { x: dy, filter: swapped },
      {
        strides: [1, 1],
        pad: [
          [0, 0],
          [pads[0], pads[1]],
          [pads[2], pads[3]],
          [0, 0],
        ],
        dataFormat: 'NHWC',
        dilations: [1, 1],
      },
    );
    dispose(backend, [...temporaries, swapped], result);
    return result;
  };
}

/**
 * A kernel that runs the cpu backend's implementation on copies of the inputs, for kernels a
 * backend lacks and the network rarely needs (wasm's depthwise backprops). Synchronous reads:
 * only for CPU backends.
 */
export function borrowCpuKernel(kernelName: string): KernelFunc {
  return ({ inputs, backend: kernelBackend, attrs }) => {
    const backend = kernelBackend as tf.KernelBackend;
    const cpuKernel = stockKernel(kernelName, 'cpu') ?? tf.getKernel(kernelName, 'cpu');
    if (!cpuKernel) throw new Error(`kernel '${kernelName}' is not registered for backend 'cpu'`);
    const cpu = tf.findBackend('cpu');
    if (!cpu) throw new Error(`kernel '${kernelName}' borrows the cpu backend, which is not available`);
    const copies: Record<string, TensorInfo> = {};
    for (const [name, t] of Object.entries(inputs)) {
      if (!t) continue;
      copies[name] = { dataId: cpu.write(backend.readSync(t.dataId) as Float32Array, t.shape, t.dtype), shape: t.shape, dtype: t.dtype };
    }
    const out = cpuKernel.kernelFunc({ inputs: copies, backend: cpu, attrs }) as TensorInfo;
    const values = cpu.readSync(out.dataId) as Float32Array;
    for (const t of Object.values(copies)) cpu.disposeData(t.dataId);
    cpu.disposeData(out.dataId);
    const made = (
      backend as unknown as { makeOutput(shape: number[], dtype: string, memoryOffset?: number, values?: Float32Array): TensorInfo }
    ).makeOutput;
    if (typeof made === 'function') return made.call(backend, out.shape, out.dtype, undefined, values);
    return { dataId: backend.write(values, out.shape, out.dtype), shape: out.shape, dtype: out.dtype };
  };
}

const patched = new Set<string>();

/**
 * Registers the fast convolution-gradient kernels for a CPU backend (`wasm` or `cpu`):
 * `Conv2DBackpropFilter` and stride-1 `Conv2DBackpropInput` as forward `Conv2D`s, and, on wasm,
 * the depthwise backprops it lacks, borrowed from cpu. Idempotent. {@link loadBackend} does this
 * automatically; call it yourself when you activate a backend with `tf.setBackend`.
 */
export function registerConvGradKernels(backendName: 'wasm' | 'cpu'): void {
  if (patched.has(backendName)) return;
  patched.add(backendName);
  replaceKernel(
    'Conv2DBackpropFilter',
    backendName,
    conv2dBackpropFilter(backendName, stockKernel('Conv2DBackpropFilter', backendName)?.kernelFunc),
  );
  replaceKernel(
    'Conv2DBackpropInput',
    backendName,
    conv2dBackpropInput(backendName, stockKernel('Conv2DBackpropInput', backendName)?.kernelFunc),
  );
  if (backendName === 'wasm') {
    for (const name of ['DepthwiseConv2dNativeBackpropFilter', 'DepthwiseConv2dNativeBackpropInput']) {
      if (!tf.getKernel(name, 'wasm')) tf.registerKernel({ kernelName: name, backendName: 'wasm', kernelFunc: borrowCpuKernel(name) });
    }
  }
}
