/**
 * One call from file contents to objsel weights: parse the prototxt and the caffemodel, convert
 * the blobs and describe the DeepLab-v2 network.
 */
import { parseCaffemodel, type CaffeModel } from './caffemodel';
import { convertCaffe, type ConversionReport } from './convert';
import { deeplabMeta } from './deeplab-meta';
import { CaffeImportError } from './errors';
import type { LayerGraph } from './graph';
import type { OnProgress } from './progress';
import { parsePrototxt, type NetDefinition } from './prototxt';
import type { ObjselNetworkMeta, WeightEntry } from './weights-format';

/** Options of {@link convertDeeplab}. */
export interface ConvertDeeplabOptions {
  /** Prototxt file name (errors, report, `source`). */
  prototxtFile?: string;
  /** Caffemodel file name (errors, report, `source`). */
  caffemodelFile?: string;
  /**
   * The caffemodel bytes may be overwritten: blobs become views (no copies) and the weights are
   * transposed and scaled in their storage, so peak memory stays near the file size. Default false.
   */
  consumeInput?: boolean;
  /** Report prototxt layers without blobs instead of failing. */
  allowMissing?: boolean;
  /** Layers kept by include/exclude rules (default TEST). */
  phase?: 'TRAIN' | 'TEST';
  /** Progress: `parse-caffemodel` (bytes), then `convert` (layers). */
  onProgress?: OnProgress;
}

/** The result of {@link convertDeeplab}. */
export interface DeeplabConversion {
  /** Named weights in prototxt order (TensorFlow-port names). */
  entries: WeightEntry[];
  /** The `objsel` section for model.json. */
  meta: ObjselNetworkMeta;
  /** Converted, skipped and missing layers, warnings, totals. */
  report: ConversionReport;
  /** The parsed prototxt. */
  net: NetDefinition;
  /** Its layer graph. */
  graph: LayerGraph;
  /** The parsed caffemodel (its blobs are the weights' storage when `consumeInput`). */
  model: CaffeModel;
  /** Milliseconds spent per phase. */
  timings: { parsePrototxt: number; parseCaffemodel: number; convert: number };
}

const now = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());

/**
 * Converts a DeepLab-v2 ResNet `.prototxt` + `.caffemodel` to objsel weights (pass the result's
 * `entries` and `meta` to `encodeWeights` or `writeWeightsDir`).
 *
 * @throws CaffeImportError for any malformed input or mismatch, naming the file and place.
 */
export function convertDeeplab(prototxt: string, caffemodel: Uint8Array, options: ConvertDeeplabOptions = {}): DeeplabConversion {
  const files = {
    ...(options.prototxtFile === undefined ? {} : { prototxtFile: options.prototxtFile }),
    ...(options.caffemodelFile === undefined ? {} : { caffemodelFile: options.caffemodelFile }),
  };
  const t0 = now();
  const net = parsePrototxt(prototxt, {
    ...(options.prototxtFile === undefined ? {} : { file: options.prototxtFile }),
    ...(options.phase ? { phase: options.phase } : {}),
  });
  if (net.layers.length === 0)
    throw new CaffeImportError('bad-text', 'the prototxt defines no layers', {
      ...(options.prototxtFile === undefined ? {} : { file: options.prototxtFile }),
    });
  const t1 = now();
  const model = parseCaffemodel(caffemodel, {
    ...(options.caffemodelFile === undefined ? {} : { file: options.caffemodelFile }),
    reuseBuffer: options.consumeInput ?? false,
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  const t2 = now();
  const { entries, report, graph } = convertCaffe(net, model, {
    ...files,
    inPlace: options.consumeInput ?? false,
    allowMissing: options.allowMissing ?? false,
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  const source = {
    ...(options.prototxtFile ? { prototxt: options.prototxtFile } : {}),
    ...(options.caffemodelFile ? { caffemodel: options.caffemodelFile } : {}),
  };
  const { meta, warnings } = deeplabMeta(net, graph, {
    ...(options.prototxtFile === undefined ? {} : { file: options.prototxtFile }),
    ...(Object.keys(source).length ? { source } : {}),
  });
  report.warnings.push(...warnings);
  const t3 = now();
  return { entries, meta, report, net, graph, model, timings: { parsePrototxt: t1 - t0, parseCaffemodel: t2 - t1, convert: t3 - t2 } };
}
