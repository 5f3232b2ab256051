/**
 * Backend choice for the app: WebGPU first, then WebGL, wasm, cpu, with a note for the page
 * saying what was tried. Every backend package is imported here statically: a bundled page
 * cannot resolve deeplab-resnet's run-time `import()` of a package name. WebGPU, wasm and cpu go
 * through `loadBackend`, which uses the registered WebGPU factory and adds the kernel patches
 * (WebGPU's AddN in chunks; the CPU backends' convolution gradients, which training needs);
 * WebGL, which objsel does not patch, is activated with `tf.setBackend`.
 */
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-webgpu';
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { loadBackend } from '@objsel/deeplab-resnet';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';

/** Backends the app can use, in the order `auto` tries them. */
export const APP_BACKENDS = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;

/** A backend name, or `auto`. */
export type AppBackend = (typeof APP_BACKENDS)[number] | 'auto';

/** What {@link chooseBackend} settled on. */
export interface ChosenBackend {
  name: string;
  /** Why earlier backends were not used (empty when the first choice worked). */
  notes: string[];
  /** The WebGPU adapter, when the backend is webgpu. */
  adapter?: string;
  /** Set when WebGPU runs on a software adapter (SwiftShader): CPU-bound, usually slower than wasm. */
  softwareAdapter?: boolean;
}

let wasmPathsSet = false;

/** Whether WebGPU has an adapter here, which one, and whether it is a software one (SwiftShader). */
export async function webgpuAdapter(): Promise<{ ok: boolean; reason?: string; description?: string; software?: boolean }> {
  const gpu = (
    navigator as unknown as { gpu?: { requestAdapter(): Promise<{ info?: Record<string, string>; isFallbackAdapter?: boolean } | null> } }
  ).gpu;
  if (!gpu) return { ok: false, reason: 'this browser has no WebGPU (navigator.gpu is missing)' };
  const adapter = await gpu.requestAdapter().catch(() => null);
  if (!adapter) return { ok: false, reason: 'WebGPU has no adapter here' };
  const info = adapter.info ?? {};
  const software = adapter.isFallbackAdapter === true || /swiftshader/i.test(`${info.architecture ?? ''} ${info.description ?? ''}`);
  return {
    ok: true,
    description: [info.vendor, info.architecture, info.description].filter(Boolean).join(' ') || 'unknown adapter',
    software,
  };
}

async function activate(name: (typeof APP_BACKENDS)[number]): Promise<void> {
  if (name === 'wasm') {
    if (!wasmPathsSet) {
      setWasmPaths({
        'tfjs-backend-wasm.wasm': wasmPlain,
        'tfjs-backend-wasm-simd.wasm': wasmSimd,
        'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded,
      });
      wasmPathsSet = true;
    }
    // On a cross-origin isolated page (served for ONNX Runtime Web's wasm threads) TF.js would
    // pick its threaded wasm, whose inlined pthread worker fails in the bundle; it runs the
    // single-threaded SIMD build, as on a page that is not isolated.
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    await loadBackend('wasm');
    return;
  }
  if (name === 'cpu') {
    await loadBackend('cpu');
    return;
  }
  if (name === 'webgpu') {
    // With its kernel patches (AddN in chunks the device can bind).
    await loadBackend('webgpu');
    return;
  }
  if (!(await tf.setBackend(name))) throw new Error(`TF.js could not initialise ${name}`);
  await tf.ready();
}

/** Activates `preferred`, or with `auto` the first of webgpu, webgl, wasm, cpu that works. */
export async function chooseBackend(preferred: AppBackend = 'auto'): Promise<ChosenBackend> {
  const order = preferred === 'auto' ? [...APP_BACKENDS] : [preferred];
  const notes: string[] = [];
  for (const name of order) {
    try {
      let adapter: { description?: string; software?: boolean } = {};
      if (name === 'webgpu') {
        const probe = await webgpuAdapter();
        if (!probe.ok) throw new Error(probe.reason);
        adapter = probe;
      }
      await activate(name);
      return {
        name: tf.getBackend(),
        notes,
        ...(adapter.description ? { adapter: adapter.description } : {}),
        ...(adapter.software ? { softwareAdapter: true } : {}),
      };
    } catch (error) {
      notes.push(`${name}: ${(error as Error).message}`);
    }
  }
  throw new Error(`no TF.js backend works here (${notes.join('; ')})`);
}
