/**
 * `AddN` for the WebGPU backend in chunks. TF.js 4.22's WebGPU `AddN` binds every input as a
 * storage buffer in one shader, so with more than `maxStorageBuffersPerShaderStage - 1` inputs
 * (7 under the default limit of 8, which is what TF.js requests) the pipeline is invalid. WebGPU
 * then drops the whole command buffer it was encoded in: the sum is garbage and so are other
 * results of that batch (the L2 term of the training loss and moving BatchNorm statistics came
 * out wrong on SwiftShader and on Dawn/Mesa). TF.js's `Concat` already splits this way.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';

/** The part of TF.js's WebGPU backend the chunking needs. */
interface WebGpuBackendLike extends tf.KernelBackend {
  device?: { limits?: { maxStorageBuffersPerShaderStage?: number } };
}

let stockAddN: tf.KernelConfig | undefined;

/** Inputs one stock `AddN` dispatch may take on `backend` (one storage buffer is the output). */
export function webgpuAddNMaxInputs(backend: tf.KernelBackend): number {
  const limit = (backend as WebGpuBackendLike).device?.limits?.maxStorageBuffersPerShaderStage ?? 8;
  return Math.max(2, limit - 1);
}

const chunkedAddN: KernelFunc = (args) => {
  const backend = args.backend as tf.KernelBackend;
  const stock = stockAddN!.kernelFunc;
  const max = webgpuAddNMaxInputs(backend);
  let level = args.inputs as unknown as TensorInfo[];
  const partials: TensorInfo[] = [];
  while (level.length > max) {
    const next: TensorInfo[] = [];
    for (let i = 0; i < level.length; i += max) {
      const chunk = level.slice(i, i + max);
      if (chunk.length === 1) {
        next.push(chunk[0]!);
        continue;
      }
      const sum = stock({ ...args, inputs: chunk as never }) as TensorInfo;
      partials.push(sum);
      next.push(sum);
    }
    level = next;
  }
  const out = stock({ ...args, inputs: level as never }) as TensorInfo;
  for (const p of partials) backend.disposeData(p.dataId);
  return out;
};

/**
 * Replaces the WebGPU `AddN` kernel by one that sums in chunks the device can bind. Call after
 * `@tensorflow/tfjs-backend-webgpu` is imported (it registers the stock kernel); idempotent.
 * `loadBackend('webgpu')` does it; pages that call `tf.setBackend('webgpu')` themselves should too.
 */
export function registerWebgpuAddNFix(): void {
  const current = tf.getKernel('AddN', 'webgpu');
  if (!current || current.kernelFunc === chunkedAddN) return;
  stockAddN = current;
  tf.unregisterKernel('AddN', 'webgpu');
  tf.registerKernel({
    kernelName: 'AddN',
    backendName: 'webgpu',
    kernelFunc: chunkedAddN,
    ...(current.setupFunc ? { setupFunc: current.setupFunc } : {}),
  });
}
