import { preprocess, type RgbImage } from '@objsel/voc-data';
import { DeeplabError } from '../errors';
import type { SegmentResult } from '../infer/segmenter';
import { ONNX_INPUT, ONNX_LOGITS, ONNX_UPSAMPLED } from './deeplab-graph';
import { readOnnxInfo, type OnnxModelInfo } from './metadata';
import { loadOnnxRuntime, type OrtModuleLike, type OrtSessionLike, type OrtSessionOptions, type OrtTensorLike } from './runtime';
import { resizeBilinearHwc } from './upsample';

/** Options of {@link OnnxSegmenter.create}. */
export interface OnnxSegmenterOptions {
  /** The ONNX Runtime module (default: `onnxruntime-node`, loaded by {@link loadOnnxRuntime}); pass `onnxruntime-web` in browsers. */
  runtime?: OrtModuleLike;
  /**
   * Session options, merged over {@link ONNX_SESSION_DEFAULTS} (ONNX Runtime picks the thread
   * count: one per physical core).
   */
  session?: OrtSessionOptions;
  /**
   * The model's metadata, when `create` gets a file path: `readOnnxInfo` of the file's first
   * 64 KiB. Ignored for bytes (read from them).
   */
  info?: OnnxModelInfo;
}

/**
 * The session options {@link OnnxSegmenter} starts from: every graph optimisation (with the
 * NCHWc convolution layout on x86), and intra-op threads that wait instead of spinning between
 * parallel sections. On an idle machine spinning is about 3% faster for ResNet-101 at 321x321;
 * on a machine where other work competes for the cores, spinning threads starve each other and a
 * forward can take 2-3 times as long, so the robust choice is the default. Pass
 * `session: { extra: {} }` to get ONNX Runtime's own behaviour back.
 */
export const ONNX_SESSION_DEFAULTS: Readonly<OrtSessionOptions> = Object.freeze({
  graphOptimizationLevel: 'all',
  extra: { session: { intra_op: { allow_spinning: '0' } } },
});

/** Logits (or any per-pixel maps) in HWC order, as {@link SegmentResult.logits}. */
export interface HwcMaps {
  data: Float32Array;
  shape: [number, number, number];
}

/** What {@link OnnxSegmenter.run} returns. */
export interface OnnxRunResult {
  /** `fc1_voc12` (HWC, output stride 8). */
  logits: HwcMaps;
  /** The logits at the input size (TF1 bilinear): the model's `fc1_voc12_upsampled` output if it has one, else upsampled here. */
  upsampled: HwcMaps;
  /** Milliseconds inside ONNX Runtime's `run`. */
  runMs: number;
}

/** NCHW (N = 1) → HWC. */
function chwToHwc(data: Float32Array, c: number, h: number, w: number): Float32Array {
  const out = new Float32Array(data.length);
  const plane = h * w;
  for (let k = 0; k < c; k++) {
    const src = k * plane;
    for (let p = 0; p < plane; p++) out[p * c + k] = data[src + p]!;
  }
  return out;
}

/** HWC → NCHW (N = 1). */
function hwcToChw(data: Float32Array, c: number, h: number, w: number): Float32Array {
  const out = new Float32Array(data.length);
  const plane = h * w;
  for (let k = 0; k < c; k++) {
    const dst = k * plane;
    for (let p = 0; p < plane; p++) out[dst + p] = data[p * c + k]!;
  }
  return out;
}

function floatData(tensor: OrtTensorLike | undefined, name: string): { data: Float32Array; dims: readonly number[] } {
  if (!tensor || !(tensor.data instanceof Float32Array) || tensor.dims.length !== 4) {
    throw new DeeplabError('backend-init-failed', `ONNX Runtime returned no float32 4-D ${name}`);
  }
  return { data: tensor.data, dims: tensor.dims };
}

/** Soft-max over the last axis of HWC maps. */
function softmaxHwc(data: Float32Array, c: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let o = 0; o < data.length; o += c) {
    let max = Number.NEGATIVE_INFINITY;
    for (let k = 0; k < c; k++) max = Math.max(max, data[o + k]!);
    let sum = 0;
    for (let k = 0; k < c; k++) {
      const e = Math.exp(data[o + k]! - max);
      out[o + k] = e;
      sum += e;
    }
    for (let k = 0; k < c; k++) out[o + k] = out[o + k]! / sum;
  }
  return out;
}

/** Index of the first maximum over the last axis (as `tf.argMax`). */
function argmaxHwc(data: Float32Array, c: number): Uint8Array {
  const n = data.length / c;
  const labels = new Uint8Array(n);
  for (let p = 0, o = 0; p < n; p++, o += c) {
    let best = 0;
    let value = data[o]!;
    for (let k = 1; k < c; k++) {
      if (data[o + k]! > value) {
        value = data[o + k]!;
        best = k;
      }
    }
    labels[p] = best;
  }
  return labels;
}

/**
 * Inference through ONNX Runtime on a model {@link exportOnnx} wrote: the same preprocessed
 * input as the TF.js path ({@link DeepLabSegmenter.segmentPreprocessed}: HWC float32, BGR
 * minus the mean, then any click channels), the same outputs (logits, TF1-bilinear upsampling,
 * argmax labels, soft-max probabilities, multi-scale max fusion; sigmoid probability for the
 * interactive network). No TF.js is involved. Release it with {@link dispose}.
 *
 * @example
 * ```ts
 * const segmenter = await OnnxSegmenter.create(exportOnnx(model, { withUpsampled: true }));
 * const { labels } = await segmenter.segment(image);
 * await segmenter.dispose();
 * ```
 */
export class OnnxSegmenter {
  private constructor(
    private readonly ort: OrtModuleLike,
    private session: OrtSessionLike | undefined,
    /** The model's metadata (classes, input channels and mean, source weights, …). */
    readonly info: OnnxModelInfo,
    /** Whether the model computes the upsampled logits itself. */
    readonly hasUpsampled: boolean,
  ) {}

  /**
   * A session over a model file's bytes, or over its path (onnxruntime-node reads the file
   * itself, which saves a copy of the weights in JavaScript; give `options.info` then).
   *
   * @throws DeeplabError `backend-unavailable` when onnxruntime-node is missing (and no `runtime`
   * is given), `bad-weights` when the file is not an objsel ONNX model, `bad-config` for a path
   * without `info`.
   */
  static async create(model: Uint8Array | string, options: OnnxSegmenterOptions = {}): Promise<OnnxSegmenter> {
    let info: OnnxModelInfo;
    if (typeof model === 'string') {
      if (!options.info)
        throw new DeeplabError('bad-config', 'a model path needs its metadata: pass info (readOnnxInfo of the file head)', { file: model });
      info = options.info;
    } else {
      info = readOnnxInfo(model);
    }
    const ort = options.runtime ?? (await loadOnnxRuntime());
    let session: OrtSessionLike;
    try {
      session = await ort.InferenceSession.create(model, { ...ONNX_SESSION_DEFAULTS, ...options.session });
    } catch (error) {
      throw new DeeplabError('backend-init-failed', `ONNX Runtime could not load the model: ${(error as Error).message}`, { cause: error });
    }
    if (!session.inputNames.includes(ONNX_INPUT) || !session.outputNames.includes(ONNX_LOGITS)) {
      await session.release();
      throw new DeeplabError('bad-weights', `the ONNX model has no ${ONNX_INPUT} input or ${ONNX_LOGITS} output`);
    }
    return new OnnxSegmenter(ort, session, info, session.outputNames.includes(ONNX_UPSAMPLED));
  }

  /** Input channels the model takes. */
  get inputChannels(): number {
    return this.info.inputChannels;
  }

  /** Channels of its logits. */
  get numClasses(): number {
    return this.info.classes;
  }

  /**
   * The network on one preprocessed HWC input (`height × width × inputChannels`): logits and
   * their upsampling to the input size, both HWC.
   *
   * @throws DeeplabError `bad-input` for a wrong size, `backend-init-failed` after {@link dispose}.
   */
  async run(input: Float32Array, height: number, width: number): Promise<OnnxRunResult> {
    const session = this.session;
    if (!session) throw new DeeplabError('backend-init-failed', 'the ONNX session was released');
    const channels = this.inputChannels;
    if (!Number.isSafeInteger(height) || !Number.isSafeInteger(width) || height < 1 || width < 1) {
      throw new DeeplabError('bad-input', `image size ${width}x${height} is not positive`);
    }
    if (!(input instanceof Float32Array) || input.length !== height * width * channels) {
      throw new DeeplabError('bad-input', `input holds ${input?.length} values, expected ${height}x${width}x${channels}`);
    }
    const feed = new this.ort.Tensor('float32', hwcToChw(input, channels, height, width), [1, channels, height, width]);
    const start = performance.now();
    let outputs: Record<string, OrtTensorLike>;
    try {
      outputs = await session.run({ [ONNX_INPUT]: feed });
    } finally {
      feed.dispose?.();
    }
    const runMs = performance.now() - start;
    try {
      const logits = floatData(outputs[ONNX_LOGITS], ONNX_LOGITS);
      const [, c = 0, h = 0, w = 0] = logits.dims;
      const hwc = chwToHwc(logits.data, c, h, w);
      let upsampled: Float32Array;
      const up = outputs[ONNX_UPSAMPLED];
      if (up) {
        const u = floatData(up, ONNX_UPSAMPLED);
        upsampled = chwToHwc(u.data, c, height, width);
      } else {
        upsampled = resizeBilinearHwc(hwc, h, w, c, height, width);
      }
      return { logits: { data: hwc, shape: [h, w, c] }, upsampled: { data: upsampled, shape: [height, width, c] }, runMs };
    } finally {
      for (const t of Object.values(outputs)) t.dispose?.();
    }
  }

  /**
   * Segments a preprocessed HWC input as {@link DeepLabSegmenter.segmentPreprocessed} does:
   * logits per input scale (a scale `s` resizes the input to `floor(size · s)`, TF1 bilinear),
   * max-fused at the first scale's logit size, upsampled to the input size, argmax; on request
   * the soft-max of the upsampled logits and the first scale's raw logits.
   */
  async segmentPreprocessed(
    input: Float32Array,
    height: number,
    width: number,
    options: { scales?: readonly number[]; probabilities?: boolean; logits?: boolean } = {},
  ): Promise<SegmentResult> {
    const numClasses = this.numClasses;
    if (numClasses > 256) throw new DeeplabError('bad-config', `labels are bytes: ${numClasses} classes do not fit`);
    const scales = [...(options.scales ?? [1])];
    const scaled = (size: number, scale: number) => (scale === 1 ? size : Math.floor(size * scale));
    if (scales.length === 0) throw new DeeplabError('bad-config', 'scales must be a non-empty list of positive numbers');
    for (const scale of scales) {
      if (typeof scale !== 'number' || !Number.isFinite(scale) || scale <= 0) {
        throw new DeeplabError('bad-config', `scale ${String(scale)} is not a positive number`, { where: 'scales' });
      }
      if (scaled(height, scale) < 1 || scaled(width, scale) < 1) {
        throw new DeeplabError('bad-input', `scale ${scale} shrinks the ${width}x${height} input to nothing`, { where: 'scales' });
      }
    }
    const channels = this.inputChannels;
    let reference: HwcMaps | undefined;
    let fused: Float32Array | undefined;
    let upsampled: Float32Array | undefined;
    for (const scale of scales) {
      const [h, w] = [scaled(height, scale), scaled(width, scale)];
      const x = scale === 1 ? input : resizeBilinearHwc(input, height, width, channels, h, w);
      const out = await this.run(x, h, w);
      if (!reference) {
        reference = out.logits;
        fused = new Float32Array(out.logits.data);
        if (scales.length === 1) upsampled = out.upsampled.data;
        continue;
      }
      const [rh, rw] = reference.shape;
      const [lh, lw] = out.logits.shape;
      const resized = lh === rh && lw === rw ? out.logits.data : resizeBilinearHwc(out.logits.data, lh, lw, numClasses, rh, rw);
      for (let i = 0; i < fused!.length; i++) fused![i] = Math.max(fused![i]!, resized[i]!);
    }
    const [rh, rw] = reference!.shape;
    upsampled ??= resizeBilinearHwc(fused!, rh, rw, numClasses, height, width);
    const result: SegmentResult = { width, height, numClasses, labels: argmaxHwc(upsampled, numClasses), scales };
    if (options.probabilities) result.probabilities = softmaxHwc(upsampled, numClasses);
    if (options.logits) result.logits = reference!;
    return result;
  }

  /** Segments an 8-bit RGB image (3-channel models): RGB → BGR minus the ImageNet mean first. */
  segment(
    image: RgbImage,
    options: { scales?: readonly number[]; probabilities?: boolean; logits?: boolean } = {},
  ): Promise<SegmentResult> {
    if (this.inputChannels !== 3) {
      throw new DeeplabError(
        'bad-input',
        `this model takes ${this.inputChannels} input channels; use segmentPreprocessed with the extra channels`,
      );
    }
    return this.segmentPreprocessed(preprocess(image), image.height, image.width, options);
  }

  /** Releases the ONNX Runtime session. */
  async dispose(): Promise<void> {
    const session = this.session;
    this.session = undefined;
    await session?.release();
  }
}
