/**
 * Which engine runs a network for the inference commands (`infer`, `evaluate`, `select`, `noc`):
 * TF.js on `--backend auto|tensorflow|webgpu|wasm|cpu`, ONNX Runtime on `--backend onnx` (the
 * export cached beside the weights, onnxruntime-node loading it by path). Commands only choose;
 * the work is the libraries'.
 */
import { promises as fs } from 'node:fs';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import os from 'node:os';
import { nodeFileSystem } from '@objsel/caffe-import/node';
import type { SegmentOptions, SegmentResult } from '@objsel/deeplab-resnet';
import type { InteractiveProbabilityModel } from '@objsel/deeplab-resnet/interactive';
import type { OnnxCacheFiles, OpenedOnnxModel, OpenOnnxOptions } from '@objsel/deeplab-resnet/onnx';
import type { CliContext } from './context';

/** A semantic segmenter of either engine (DeepLabSegmenter or OnnxSegmenter). */
export interface SemanticSegmenter {
  readonly numClasses: number;
  segment(image: import('@objsel/voc-data').RgbImage, options?: SegmentOptions): Promise<SegmentResult>;
  dispose(): unknown;
}

/** Node's file system with what makes a warm ONNX start cheap: `stat` (digest memo) and a head read. */
export const nodeOnnxCacheFiles: OnnxCacheFiles = {
  ...nodeFileSystem,
  async stat(file) {
    const { size, mtimeMs } = await fs.stat(file);
    return { size, mtimeMs };
  },
  async readHead(file, length) {
    const handle = await fs.open(file, 'r');
    try {
      const head = new Uint8Array(length);
      const { bytesRead } = await handle.read(head, 0, length, 0);
      return head.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  },
};

/** ONNX Runtime's intra-op threads: every logical CPU. */
export function onnxThreads(): number {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

/** Names this machine's CPU and the runtime version, for ONNX Runtime's hardware-specific optimised graph. */
export function onnxOptimizedCacheKey(): string {
  let ort = 'unknown';
  try {
    ort = (createRequire(import.meta.url)('onnxruntime-node/package.json') as { version: string }).version;
  } catch {
    // The runtime's own loader reports a missing package.
  }
  const cpu = createHash('sha256')
    .update(`${os.cpus()[0]?.model ?? ''}|${os.cpus().length}`)
    .digest('hex')
    .slice(0, 8);
  return `${process.arch}-${cpu}-ort${ort}`;
}

/** Opens the cached ONNX export of `weights` (exporting it with TF.js on a miss) and says so. */
async function openOnnx(
  ctx: CliContext,
  weights: string,
  options: Pick<OpenOnnxOptions, 'variant' | 'exporter'>,
): Promise<OpenedOnnxModel> {
  const { loadOnnxRuntime, openOnnxSegmenter } = await import('@objsel/deeplab-resnet/onnx');
  const runtime = await loadOnnxRuntime(); // the one-line message when onnxruntime-node is missing, before any export
  const opened = await openOnnxSegmenter(nodeOnnxCacheFiles, weights, {
    ...options,
    runtime,
    session: { intraOpNumThreads: onnxThreads() },
    optimizedCacheKey: onnxOptimizedCacheKey(),
  });
  if (!opened.cacheHit)
    ctx.info(`exported the network to ONNX: ${opened.modelPath ?? '(in memory: the weights directory is not writable)'}`);
  return opened;
}

/**
 * The semantic network (RGB in, class scores out; DCSP weights without their attention head)
 * on the engine `--backend` names.
 */
export async function openSemanticSegmenter(
  ctx: CliContext,
  weights: string,
  options: { bnEpsilon?: number } = {},
): Promise<{ segmenter: SemanticSegmenter; weightsDir: string; backend: string }> {
  if (ctx.onnx) {
    const eps = options.bnEpsilon;
    const opened = await openOnnx(ctx, weights, {
      variant: eps === undefined ? 'semantic' : `semantic-bn${String(eps).replace(/[^A-Za-z0-9]/g, '_')}`,
      exporter: async () => {
        await ctx.useExportBackend();
        const { semanticOnnxExporter } = await import('@objsel/deeplab-resnet');
        return semanticOnnxExporter(eps === undefined ? {} : { bnEpsilon: eps });
      },
    });
    return { segmenter: opened.segmenter, weightsDir: opened.weightsPath, backend: 'onnx' };
  }
  const backend = await ctx.useBackend();
  const { DeepLabSegmenter, loadSegmentationNetwork } = await import('@objsel/deeplab-resnet');
  const { network, weightsDir } = await loadSegmentationNetwork(nodeFileSystem, weights, options);
  // The segmenter keeps BN-folded copies of the weights; the variables are no longer needed.
  try {
    return { segmenter: DeepLabSegmenter.fromModel(network), weightsDir, backend };
  } finally {
    network.dispose();
  }
}

/** The interactive network on the engine `--backend` names; disposing the model frees everything. */
export async function openInteractiveModel(
  ctx: CliContext,
  weights: string,
): Promise<{ model: InteractiveProbabilityModel; backend: string }> {
  if (ctx.onnx) {
    const opened = await openOnnx(ctx, weights, {
      variant: 'interactive',
      exporter: async () => {
        await ctx.useExportBackend();
        return (await import('@objsel/deeplab-resnet/interactive')).interactiveOnnxExporter();
      },
    });
    const { OnnxInteractiveModel } = await import('@objsel/deeplab-resnet/interactive');
    return { model: OnnxInteractiveModel.fromSegmenter(opened.segmenter), backend: 'onnx' };
  }
  const backend = await ctx.useBackend();
  const { InteractiveSegmenter, loadInteractiveNetwork } = await import('@objsel/deeplab-resnet/interactive');
  const network = await loadInteractiveNetwork(nodeFileSystem, weights);
  const segmenter = InteractiveSegmenter.fromModel(network);
  const model: InteractiveProbabilityModel = {
    segment: (raw, width, height) => segmenter.segment(raw, width, height),
    segmentWithBrs: (raw, width, height, clicks, options) => segmenter.segmentWithBrs(raw, width, height, clicks, options),
    dispose: () => {
      segmenter.dispose();
      network.dispose();
    },
  };
  return { model, backend };
}
