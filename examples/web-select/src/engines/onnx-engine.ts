/**
 * The ONNX Runtime Web inference engine: the loaded interactive network exported to ONNX in the
 * browser (`exportInteractiveOnnx`: BatchNorm folded, opset 17) and run by onnxruntime-web,
 * on its WebGPU execution provider when a hardware WebGPU adapter exists, else on wasm (with
 * threads when the page is cross-origin isolated). onnxruntime-web is imported only when this
 * engine is chosen; its wasm files are Vite assets (the `?url` imports below), so they resolve in
 * the dev server and in the build.
 */
import { OnnxSegmenter, type DeepLabResNet, type OrtModuleLike } from '@objsel/deeplab-resnet';
import {
  exportInteractiveOnnx,
  onnxProbability,
  resizeProbability,
  toModelSize,
  type ClickInput,
} from '@objsel/deeplab-resnet/interactive';
import ortWasmModuleUrl from 'onnxruntime-web/ort-wasm-simd-threaded.jsep.mjs?url';
import ortWasmBinaryUrl from 'onnxruntime-web/ort-wasm-simd-threaded.jsep.wasm?url';
import { webgpuAdapter } from '../model/backend';

/** ONNX Runtime Web's execution providers the app uses. */
export type OnnxProvider = 'webgpu' | 'wasm';

/** A network ready to run on ONNX Runtime Web. */
export interface OnnxEngine {
  segmenter: OnnxSegmenter;
  provider: OnnxProvider;
  /** wasm threads (1 without cross-origin isolation; 0 on WebGPU). */
  threads: number;
  /** For the page: `ONNX Runtime Web (wasm, 2 threads)`. */
  label: string;
  /** Why WebGPU or threads were not used. */
  notes: string[];
  /** Size of the exported model. */
  onnxBytes: number;
  /** Milliseconds: export to ONNX, session creation. */
  exportMs: number;
  sessionMs: number;
}

let runtime: Promise<OrtModuleLike> | undefined;

/** wasm threads to ask for: every core (up to 4) when SharedArrayBuffer is allowed, else 1. */
function wasmThreads(): number {
  if (!(self as { crossOriginIsolated?: boolean }).crossOriginIsolated) return 1;
  return Math.max(1, Math.min(4, navigator.hardwareConcurrency || 1));
}

/** onnxruntime-web, imported once and configured (wasm file URLs, threads). */
function loadOrtWeb(): Promise<OrtModuleLike> {
  runtime ??= (async () => {
    const ort = await import('onnxruntime-web');
    ort.env.wasm.wasmPaths = {
      mjs: new URL(ortWasmModuleUrl, self.location.href).href,
      wasm: new URL(ortWasmBinaryUrl, self.location.href).href,
    };
    ort.env.wasm.numThreads = wasmThreads();
    ort.env.logLevel = 'error';
    return ort as unknown as OrtModuleLike;
  })();
  return runtime;
}

/** Exports `network` to ONNX and opens an ONNX Runtime Web session on it; see the module comment. */
export async function createOnnxEngine(network: DeepLabResNet): Promise<OnnxEngine> {
  const ort = await loadOrtWeb();
  const notes: string[] = [];
  const e0 = performance.now();
  const bytes = exportInteractiveOnnx(network);
  const exportMs = performance.now() - e0;
  const probe = await webgpuAdapter();
  let provider: OnnxProvider = 'wasm';
  if (!probe.ok) notes.push(`webgpu: ${probe.reason}`);
  else if (probe.software) notes.push('webgpu: software adapter (SwiftShader), wasm is faster');
  else provider = 'webgpu';
  const s0 = performance.now();
  let segmenter: OnnxSegmenter;
  try {
    segmenter = await OnnxSegmenter.create(bytes, { runtime: ort, session: { executionProviders: [provider] } });
  } catch (error) {
    if (provider !== 'webgpu') throw error;
    notes.push(`webgpu: ${(error as Error).message}`);
    provider = 'wasm';
    segmenter = await OnnxSegmenter.create(bytes, { runtime: ort, session: { executionProviders: [provider] } });
  }
  const sessionMs = performance.now() - s0;
  const threads = provider === 'wasm' ? wasmThreads() : 0;
  if (provider === 'wasm' && threads === 1 && !(self as { crossOriginIsolated?: boolean }).crossOriginIsolated) {
    notes.push('wasm threads: the page is not cross-origin isolated (serve it with COOP/COEP headers)');
  }
  const label =
    provider === 'webgpu' ? 'ONNX Runtime Web (webgpu)' : `ONNX Runtime Web (wasm, ${threads} thread${threads === 1 ? '' : 's'})`;
  return { segmenter, provider, threads, label, notes, onnxBytes: bytes.byteLength, exportMs, sessionMs };
}

/**
 * The object probability of a full-size raw 5-channel input on the ONNX engine, as
 * `networkProbability` computes it on TF.js: the network at the model size (`modelLongSide`),
 * the probability resized back to the image.
 */
export async function onnxNetworkProbability(engine: OnnxEngine, request: ClickInput, modelLongSide: number): Promise<Float32Array> {
  const small = toModelSize(request, modelLongSide);
  const probability = await onnxProbability(engine.segmenter, small.input, small.width, small.height);
  return resizeProbability(probability, small, request);
}
