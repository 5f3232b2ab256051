/**
 * Caffe blobs → TensorFlow-port weights, as caffe-tensorflow's transformers do for DeepLab:
 * Convolution OIHW → HWIO (`<conv>/weights`, `<conv>/biases`); BatchNorm mean and variance
 * divided by the scale-factor blob (0 → 0) and fused with the following Scale layer's gamma and
 * beta (`<bn>/moving_mean|moving_variance|gamma|beta`); InnerProduct (O, K) → (K, O).
 */
import type { CaffeBlob, CaffeModel, CaffeModelLayer } from './caffemodel';
import { CaffeImportError } from './errors';
import { buildLayerGraph, type GraphNode, type LayerGraph } from './graph';
import type { OnProgress } from './progress';
import type { NetDefinition } from './prototxt';
import type { WeightEntry } from './weights-format';

/** Layer types that carry parameter blobs in Caffe. */
export const PARAM_LAYER_TYPES: ReadonlySet<string> = new Set([
  'Convolution',
  'Deconvolution',
  'BatchNorm',
  'Scale',
  'InnerProduct',
  'Bias',
  'PReLU',
  'Embed',
  'LSTM',
  'RNN',
  'Parameter',
  'BatchReNorm',
]);

/** Options of {@link convertCaffe}. */
export interface ConvertOptions {
  /** Prototxt file name for errors and the report. */
  prototxtFile?: string;
  /** Caffemodel file name for errors and the report. */
  caffemodelFile?: string;
  /**
   * Reuse the blobs' storage for the converted weights (transposed and scaled in place), so no
   * second copy of the model exists. The `CaffeModel` must not be used afterwards. Default false.
   */
  inPlace?: boolean;
  /** Report prototxt layers that have no blobs instead of failing. Default false. */
  allowMissing?: boolean;
  /** Progress per layer (task `convert`). */
  onProgress?: OnProgress;
}

/** What happened to each layer. */
export interface ConversionReport {
  /** Input file names, when given. */
  prototxt?: string;
  /** Input file names, when given. */
  caffemodel?: string;
  /** `layer` or legacy `layers` encoding of the caffemodel. */
  caffemodelFormat: CaffeModel['format'];
  /** Layers whose blobs became weights. */
  converted: Array<{ layer: string; type: string; fusedWith?: string; weights: Array<{ name: string; shape: number[] }> }>;
  /** Layers without parameters (ReLU, Eltwise, Pooling, ...). */
  skipped: Array<{ layer: string; type: string }>;
  /** What did not match up between the two files. */
  missing: {
    /** Prototxt layers that need parameters but have no blobs in the caffemodel. */
    layersWithoutBlobs: Array<{ layer: string; type: string }>;
    /** Caffemodel layers with blobs that the prototxt does not define. */
    blobsWithoutLayers: Array<{ layer: string; type: string; blobs: number }>;
  };
  /** Layers with blobs of a type this converter does not map (kept out of the weights). */
  unsupported: Array<{ layer: string; type: string; blobs: number }>;
  /** Anything else worth knowing. */
  warnings: string[];
  /** Sizes. */
  totals: { layers: number; weights: number; parameters: number; bytes: number };
}

/** The result of {@link convertCaffe}. */
export interface Conversion {
  /** Weights in prototxt order. */
  entries: WeightEntry[];
  /** What was converted, skipped and missing. */
  report: ConversionReport;
  /** The resolved prototxt graph (shapes, consumers). */
  graph: LayerGraph;
}

/** Shape without leading 1s: Caffe's legacy 4-D blobs ([1,1,1,C]) compare equal to [C]. */
function squeezeLeading(shape: readonly number[]): number[] {
  let i = 0;
  while (i < shape.length - 1 && shape[i] === 1) i++;
  return shape.slice(i);
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  const x = squeezeLeading(a);
  const y = squeezeLeading(b);
  return x.length === y.length && x.every((d, i) => d === y[i]);
}

/** Output channels handled together so that reads and writes both stay in cache. */
const TRANSPOSE_BLOCK = 32;

/** OIHW (Caffe) → HWIO (TensorFlow) into `dst` (dst[((y*W + x)*I + i)*O + o] = src[((o*I + i)*H + y)*W + x]). */
export function transposeOIHWtoHWIO(src: Float32Array, [o, i, h, w]: readonly [number, number, number, number], dst: Float32Array): void {
  const hw = h * w;
  const io = i * o;
  const srcRow = i * hw;
  for (let a0 = 0; a0 < o; a0 += TRANSPOSE_BLOCK) {
    const a1 = Math.min(o, a0 + TRANSPOSE_BLOCK);
    for (let b = 0; b < i; b++) {
      const srcBase = b * hw;
      const dstBase = b * o;
      for (let k = 0; k < hw; k++) {
        const d = k * io + dstBase;
        let s = a0 * srcRow + srcBase + k;
        for (let a = a0; a < a1; a++, s += srcRow) dst[d + a] = src[s]!;
      }
    }
  }
}

/** (rows, cols) → (cols, rows) into `dst`. */
function transpose2d(src: Float32Array, rows: number, cols: number, dst: Float32Array): void {
  let s = 0;
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) dst[c * rows + r] = src[s++]!;
}

class Converter {
  readonly entries: WeightEntry[] = [];
  readonly report: ConversionReport;
  private scratch = new Float32Array(0);

  constructor(
    private readonly net: NetDefinition,
    private readonly model: CaffeModel,
    readonly graph: LayerGraph,
    private readonly options: ConvertOptions,
  ) {
    this.report = {
      ...(options.prototxtFile === undefined ? {} : { prototxt: options.prototxtFile }),
      ...(options.caffemodelFile === undefined ? {} : { caffemodel: options.caffemodelFile }),
      caffemodelFormat: model.format,
      converted: [],
      skipped: [],
      missing: { layersWithoutBlobs: [], blobsWithoutLayers: [] },
      unsupported: [],
      warnings: [],
      totals: { layers: net.layers.length, weights: 0, parameters: 0, bytes: 0 },
    };
  }

  private error(
    code: 'shape-mismatch' | 'mismatch' | 'missing-scale' | 'unsupported' | 'missing-blobs',
    message: string,
    layer: string,
  ): CaffeImportError {
    const file = code === 'missing-scale' || code === 'unsupported' ? this.options.prototxtFile : this.options.caffemodelFile;
    return new CaffeImportError(code, message, { ...(file === undefined ? {} : { file }), where: `layer '${layer}'` });
  }

  private output(name: string, shape: number[], data: Float32Array): void {
    this.entries.push({ name, shape, data });
  }

  /** A buffer for `n` floats: the blob's own storage when converting in place, else new. */
  private target(blob: CaffeBlob, n: number): Float32Array {
    return this.options.inPlace ? blob.data : new Float32Array(n);
  }

  /** Runs `fill(into)` into a scratch buffer and copies it over the blob (in place), or into new memory. */
  private rearranged(blob: CaffeBlob, fill: (into: Float32Array) => void): Float32Array {
    const n = blob.data.length;
    if (!this.options.inPlace) {
      const out = new Float32Array(n);
      fill(out);
      return out;
    }
    if (this.scratch.length < n) this.scratch = new Float32Array(n);
    const tmp = this.scratch.subarray(0, n);
    fill(tmp);
    blob.data.set(tmp);
    return blob.data;
  }

  private copy(blob: CaffeBlob): Float32Array {
    return this.options.inPlace ? blob.data : blob.data.slice();
  }

  private expectShape(blob: CaffeBlob, expected: number[], what: string, layer: string): void {
    if (!sameShape(blob.shape, expected)) {
      throw this.error(
        'shape-mismatch',
        `${what} blob has shape [${blob.shape.join(',')}], the prototxt needs [${expected.join(',')}]`,
        layer,
      );
    }
  }

  private expectBlobCount(mlayer: CaffeModelLayer, counts: number[], why: string): void {
    if (!counts.includes(mlayer.blobs.length)) {
      throw this.error('mismatch', `has ${mlayer.blobs.length} blob(s), ${why} needs ${counts.join(' or ')}`, mlayer.name);
    }
  }

  run(): Conversion {
    const modelLayers = new Map<string, CaffeModelLayer>();
    for (const l of this.model.layers) {
      // Caffe itself matches by name and takes the first; later duplicates are reported.
      if (!modelLayers.has(l.name)) modelLayers.set(l.name, l);
      else if (l.blobs.length) this.report.warnings.push(`caffemodel has a second layer named '${l.name}'; its blobs are ignored`);
    }
    const fusedScales = new Set<number>();
    const { nodes } = this.graph;
    nodes.forEach((node, index) => {
      const { layer } = node;
      const mlayer = modelLayers.get(layer.name);
      const blobs = mlayer?.blobs.length ?? 0;
      if (mlayer && mlayer.type !== '' && mlayer.type !== layer.type) {
        throw this.error('mismatch', `is a ${mlayer.type} in the caffemodel but a ${layer.type} in the prototxt`, layer.name);
      }
      if (fusedScales.has(index)) {
        // Converted with its BatchNorm.
      } else if (!PARAM_LAYER_TYPES.has(layer.type)) {
        if (blobs) this.report.unsupported.push({ layer: layer.name, type: layer.type, blobs });
        else this.report.skipped.push({ layer: layer.name, type: layer.type });
      } else if (!mlayer || blobs === 0) {
        this.report.missing.layersWithoutBlobs.push({ layer: layer.name, type: layer.type });
      } else {
        switch (layer.type) {
          case 'Convolution':
          case 'Deconvolution':
            this.convolution(node, mlayer);
            break;
          case 'BatchNorm':
            fusedScales.add(this.batchNorm(node, index, mlayer, modelLayers));
            break;
          case 'Scale':
            this.scale(node, mlayer);
            break;
          case 'InnerProduct':
            this.innerProduct(node, mlayer);
            break;
          default:
            this.report.unsupported.push({ layer: layer.name, type: layer.type, blobs });
        }
      }
      this.options.onProgress?.({ task: 'convert', done: index + 1, total: nodes.length, message: layer.name });
    });
    const defined = new Set(this.net.layers.map((l) => l.name));
    for (const l of this.model.layers) {
      if (l.blobs.length && !defined.has(l.name))
        this.report.missing.blobsWithoutLayers.push({ layer: l.name, type: l.type, blobs: l.blobs.length });
    }
    const lacking = this.report.missing.layersWithoutBlobs;
    if (lacking.length && !this.options.allowMissing) {
      const names = lacking
        .slice(0, 5)
        .map((l) => l.layer)
        .join(', ');
      throw new CaffeImportError(
        'missing-blobs',
        `${lacking.length} prototxt layer(s) with parameters have no blobs in the caffemodel (${names}${lacking.length > 5 ? ', ...' : ''}); is this the caffemodel for this prototxt? (allowMissing/--allow-missing to convert anyway)`,
        {
          ...(this.options.caffemodelFile === undefined ? {} : { file: this.options.caffemodelFile }),
          where: `layer '${lacking[0]!.layer}'`,
        },
      );
    }
    if (this.report.missing.blobsWithoutLayers.length) {
      this.report.warnings.push(
        `${this.report.missing.blobsWithoutLayers.length} caffemodel layer(s) with blobs are not in the prototxt and were ignored`,
      );
    }
    for (const e of this.entries) {
      this.report.totals.weights++;
      this.report.totals.parameters += e.data.length;
      this.report.totals.bytes += e.data.byteLength;
    }
    return { entries: this.entries, report: this.report, graph: this.graph };
  }

  private convolution(node: GraphNode, mlayer: CaffeModelLayer): void {
    const { layer } = node;
    const c = layer.convolution!;
    this.expectBlobCount(
      mlayer,
      [c.biasTerm ? 2 : 1],
      c.biasTerm ? 'a convolution with bias_term' : 'a convolution without bias (bias_term: false)',
    );
    const weights = mlayer.blobs[0]!;
    const [kh, kw] = c.kernel;
    const deconv = layer.type === 'Deconvolution';
    let channels = node.inputShapes[0]?.[1];
    if (channels === undefined) {
      // Input size unknown: take the channel count from the blob, checking the rest.
      const s = squeezeLeading(weights.shape);
      const dims = [1, 1, 1, 1, ...s].slice(-4);
      channels = deconv ? dims[0]! : dims[1]! * c.group;
    }
    if (channels % c.group !== 0)
      throw this.error('shape-mismatch', `${channels} input channels are not divisible by group ${c.group}`, layer.name);
    const expected = deconv ? [channels, c.numOutput / c.group, kh, kw] : [c.numOutput, channels / c.group, kh, kw];
    this.expectShape(weights, expected, 'weight', layer.name);
    const oihw = expected as [number, number, number, number];
    const hwio = [kh, kw, oihw[1], oihw[0]];
    const data = this.rearranged(weights, (into) => transposeOIHWtoHWIO(weights.data, oihw, into));
    this.output(`${layer.name}/weights`, hwio, data);
    const outputs: Array<{ name: string; shape: number[] }> = [{ name: `${layer.name}/weights`, shape: hwio }];
    if (c.biasTerm) {
      const bias = mlayer.blobs[1]!;
      this.expectShape(bias, [c.numOutput], 'bias', layer.name);
      this.output(`${layer.name}/biases`, [c.numOutput], this.copy(bias));
      outputs.push({ name: `${layer.name}/biases`, shape: [c.numOutput] });
    }
    this.report.converted.push({ layer: layer.name, type: layer.type, weights: outputs });
  }

  /** Fuses a BatchNorm with its Scale; returns the Scale's index. */
  private batchNorm(node: GraphNode, index: number, mlayer: CaffeModelLayer, modelLayers: Map<string, CaffeModelLayer>): number {
    const { layer } = node;
    const nodes = this.graph.nodes;
    const scaleIndex = node.consumers.find((i) => nodes[i]!.layer.type === 'Scale' && nodes[i]!.inputs[0]!.from === index);
    if (scaleIndex === undefined) {
      throw this.error(
        'missing-scale',
        'BatchNorm is not followed by a Scale layer (Caffe BatchNorm has no gamma/beta; DeepLab puts them in a Scale layer reading its output)',
        layer.name,
      );
    }
    const scaleNode = nodes[scaleIndex]!;
    const scale = scaleNode.layer;
    const sp = scale.scale!;
    if (sp.axis !== 1 || sp.numAxes !== 1) {
      throw this.error(
        'unsupported',
        `Scale after a BatchNorm must scale channels (axis 1, num_axes 1), has axis ${sp.axis}, num_axes ${sp.numAxes}`,
        scale.name,
      );
    }
    const scaleBlobs = modelLayers.get(scale.name);
    if (!scaleBlobs || scaleBlobs.blobs.length === 0) {
      throw this.error(
        'missing-blobs',
        `Scale '${scale.name}' fused with BatchNorm '${layer.name}' has no blobs in the caffemodel`,
        scale.name,
      );
    }
    if (scaleBlobs.type !== '' && scaleBlobs.type !== 'Scale')
      throw this.error('mismatch', `is a ${scaleBlobs.type} in the caffemodel but a Scale in the prototxt`, scale.name);
    this.expectBlobCount(mlayer, [3], 'BatchNorm (mean, variance, scale factor)');
    this.expectBlobCount(scaleBlobs, [sp.biasTerm ? 2 : 1], sp.biasTerm ? 'a Scale with bias_term' : 'a Scale without bias_term');
    const [meanBlob, varBlob, factorBlob] = mlayer.blobs as [CaffeBlob, CaffeBlob, CaffeBlob];
    const channels = node.inputShapes[0]?.[1] ?? squeezeLeading(meanBlob.shape)[0] ?? 0;
    this.expectShape(meanBlob, [channels], 'mean', layer.name);
    this.expectShape(varBlob, [channels], 'variance', layer.name);
    if (factorBlob.data.length !== 1) this.expectShape(factorBlob, [1], 'scale factor', layer.name);
    const gammaBlob = scaleBlobs.blobs[0]!;
    this.expectShape(gammaBlob, [channels], 'gamma', scale.name);
    // Caffe: factor = blob == 0 ? 0 : 1 / blob (in float), then a float multiply.
    const f = factorBlob.data[0]!;
    const k = f === 0 ? 0 : Math.fround(1 / f);
    const scaled = (blob: CaffeBlob) => {
      const out = this.target(blob, blob.data.length);
      const src = blob.data;
      for (let i = 0; i < src.length; i++) out[i] = src[i]! * k;
      return out;
    };
    const name = layer.name;
    this.output(`${name}/moving_mean`, [channels], scaled(meanBlob));
    this.output(`${name}/moving_variance`, [channels], scaled(varBlob));
    this.output(`${name}/gamma`, [channels], this.copy(gammaBlob));
    if (sp.biasTerm) {
      const betaBlob = scaleBlobs.blobs[1]!;
      this.expectShape(betaBlob, [channels], 'beta', scale.name);
      this.output(`${name}/beta`, [channels], this.copy(betaBlob));
    } else {
      this.output(`${name}/beta`, [channels], new Float32Array(channels));
      this.report.warnings.push(`Scale '${scale.name}' has no bias_term: ${name}/beta is zeros`);
    }
    if (f === 0) this.report.warnings.push(`BatchNorm '${name}' has scale factor 0 (never trained): its mean and variance are zeros`);
    this.report.converted.push({
      layer: name,
      type: 'BatchNorm',
      fusedWith: scale.name,
      weights: ['moving_mean', 'moving_variance', 'gamma', 'beta'].map((w) => ({ name: `${name}/${w}`, shape: [channels] })),
    });
    return scaleIndex;
  }

  private scale(node: GraphNode, mlayer: CaffeModelLayer): void {
    const { layer } = node;
    const sp = layer.scale!;
    this.expectBlobCount(mlayer, [sp.biasTerm ? 2 : 1], sp.biasTerm ? 'a Scale with bias_term' : 'a Scale without bias_term');
    const gamma = mlayer.blobs[0]!;
    const shape = squeezeLeading(gamma.shape);
    const outputs = [{ name: `${layer.name}/gamma`, shape }];
    this.output(`${layer.name}/gamma`, shape, this.copy(gamma));
    if (sp.biasTerm) {
      const beta = mlayer.blobs[1]!;
      this.expectShape(beta, shape, 'beta', layer.name);
      this.output(`${layer.name}/beta`, shape, this.copy(beta));
      outputs.push({ name: `${layer.name}/beta`, shape });
    }
    this.report.warnings.push(
      `Scale '${layer.name}' does not follow a BatchNorm: converted on its own as ${layer.name}/gamma${sp.biasTerm ? ', beta' : ''}`,
    );
    this.report.converted.push({ layer: layer.name, type: layer.type, weights: outputs });
  }

  private innerProduct(node: GraphNode, mlayer: CaffeModelLayer): void {
    const { layer } = node;
    const p = layer.innerProduct!;
    this.expectBlobCount(mlayer, [p.biasTerm ? 2 : 1], p.biasTerm ? 'an InnerProduct with bias_term' : 'an InnerProduct without bias');
    const weights = mlayer.blobs[0]!;
    const input = node.inputShapes[0];
    const k = input ? input.slice(p.axis).reduce((a, b) => a * b, 1) : weights.data.length / p.numOutput;
    if (!Number.isInteger(k))
      throw this.error(
        'shape-mismatch',
        `weight blob of ${weights.data.length} values does not split into ${p.numOutput} outputs`,
        layer.name,
      );
    this.expectShape(weights, p.transpose ? [k, p.numOutput] : [p.numOutput, k], 'weight', layer.name);
    const data = p.transpose ? this.copy(weights) : this.rearranged(weights, (into) => transpose2d(weights.data, p.numOutput, k, into));
    this.output(`${layer.name}/weights`, [k, p.numOutput], data);
    const outputs = [{ name: `${layer.name}/weights`, shape: [k, p.numOutput] }];
    if (p.biasTerm) {
      const bias = mlayer.blobs[1]!;
      this.expectShape(bias, [p.numOutput], 'bias', layer.name);
      this.output(`${layer.name}/biases`, [p.numOutput], this.copy(bias));
      outputs.push({ name: `${layer.name}/biases`, shape: [p.numOutput] });
    }
    this.report.converted.push({ layer: layer.name, type: layer.type, weights: outputs });
  }
}

/**
 * Converts parsed Caffe blobs to named TensorFlow-port weights, checking every blob against the
 * prototxt. The layer graph (in-place chains, shapes) comes from the prototxt.
 *
 * @throws CaffeImportError `shape-mismatch` (blob vs prototxt), `mismatch` (layer type or blob
 * count), `missing-scale` (BatchNorm without its Scale, naming the layer), `missing-blobs`
 * (unless `allowMissing`), `bad-graph`.
 */
export function convertCaffe(net: NetDefinition, model: CaffeModel, options: ConvertOptions = {}): Conversion {
  const graph = buildLayerGraph(net, options.prototxtFile === undefined ? {} : { file: options.prototxtFile });
  return new Converter(net, model, graph, options).run();
}
