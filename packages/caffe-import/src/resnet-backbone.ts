/**
 * Any ResNet-family Caffe model as objsel weights: a DeepLab-v2 network converts as before
 * ({@link convertDeeplab}); a network without the ASPP head (Kaiming He's ImageNet ResNet-101
 * with `pool5`/`fc1000`, or a prototxt truncated after `res5c`) converts to a *backbone*
 * weights directory: the ResNet's convolutions and BatchNorms under the TF port's names, the
 * classifier reported and left out, `numClasses: 0, backboneOnly: true` in the description, and
 * DeepLab's geometry (res4/res5 at stride 1 with dilation 2/4), since training builds DeepLab on
 * it and creates the head (as train.py does with `--not-restore-last`).
 */
import { parseCaffemodel } from './caffemodel';
import { convertCaffe, type ConversionReport } from './convert';
import { convertDeeplab, type ConvertDeeplabOptions, type DeeplabConversion } from './deeplab';
import { CaffeImportError } from './errors';
import { parsePrototxt, type NetDefinition } from './prototxt';
import { tfCheckpointToWeights, type TfConversionReport } from './tf-checkpoint/to-weights';
import type { ObjselNetworkMeta, WeightEntry } from './weights-format';

/** What {@link convertResnetCaffe} did beyond a DeepLab conversion. */
export interface BackboneReport {
  /** The ResNet found: depth, units per stage, input channels, width. */
  architecture: Pick<TfConversionReport['architecture'], 'depth' | 'blocks' | 'inputChannels' | 'widthMultiplier'>;
  /** Weights of layers that are not part of the backbone (the ImageNet classifier `fc1000`, ...), left out. */
  leftOut: Array<{ name: string; shape: number[] }>;
}

/** The result of {@link convertResnetCaffe}: a DeepLab conversion, or a backbone one with `backbone` set. */
export interface ResnetConversion extends Omit<DeeplabConversion, 'graph' | 'model' | 'net'> {
  /** Set when the network has no ASPP head and a backbone was written. */
  backbone?: BackboneReport;
}

/** DeepLab-v2's ASPP branches, as deeplabMeta finds them. */
const ASPP_NAME = /^fc1_.*_c\d+$/;

/** True when the prototxt has DeepLab's ASPP head (`fc1_*_c<k>` convolutions). */
export function hasAsppHead(net: NetDefinition): boolean {
  return net.layers.some((l) => l.type === 'Convolution' && ASPP_NAME.test(l.name));
}

const now = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());

/**
 * Converts a ResNet-family `.prototxt` + `.caffemodel`: with DeepLab's ASPP head as
 * {@link convertDeeplab}; without it, to the backbone (see the module comment). The residual
 * units are found from the `res<stage><unit>_branch2a` names (ResNet-50/101/152).
 *
 * @throws CaffeImportError as {@link convertDeeplab}; `mismatch` / `shape-mismatch` naming the
 * variable when the network is not a ResNet with the TF port's layer names.
 */
export function convertResnetCaffe(prototxt: string, caffemodel: Uint8Array, options: ConvertDeeplabOptions = {}): ResnetConversion {
  const t0 = now();
  const fileOpt = options.prototxtFile === undefined ? {} : { file: options.prototxtFile };
  const net = parsePrototxt(prototxt, { ...fileOpt, ...(options.phase ? { phase: options.phase } : {}) });
  if (hasAsppHead(net)) {
    const { net: _n, graph: _g, model: _m, ...rest } = convertDeeplab(prototxt, caffemodel, options);
    return rest;
  }
  if (net.layers.length === 0) throw new CaffeImportError('bad-text', 'the prototxt defines no layers', fileOpt);
  const t1 = now();
  const model = parseCaffemodel(caffemodel, {
    ...(options.caffemodelFile === undefined ? {} : { file: options.caffemodelFile }),
    reuseBuffer: options.consumeInput ?? false,
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  const t2 = now();
  const { entries, report } = convertCaffe(net, model, {
    ...(options.prototxtFile === undefined ? {} : { prototxtFile: options.prototxtFile }),
    ...(options.caffemodelFile === undefined ? {} : { caffemodelFile: options.caffemodelFile }),
    inPlace: options.consumeInput ?? false,
    allowMissing: options.allowMissing ?? false,
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  const { backbone, meta } = backboneOf(entries, net, report, options);
  return {
    entries: backbone.entries,
    meta,
    report,
    backbone: backbone.report,
    timings: { parsePrototxt: t1 - t0, parseCaffemodel: t2 - t1, convert: now() - t2 },
  };
}

function backboneOf(
  entries: WeightEntry[],
  net: NetDefinition,
  report: ConversionReport,
  options: ConvertDeeplabOptions,
): { backbone: { entries: WeightEntry[]; report: BackboneReport }; meta: ObjselNetworkMeta } {
  const file = options.prototxtFile ?? options.caffemodelFile;
  const epsilons = net.layers.filter((l) => l.type === 'BatchNorm').map((l) => l.batchNorm!.eps);
  const bnEpsilon = epsilons[0] ?? 1e-5;
  // The converted names are the TF port's, so the checkpoint mapping infers and checks the ResNet.
  const mapped = tfCheckpointToWeights(
    entries.map((e) => ({ name: e.name, dtype: 'float32' as const, shape: e.shape, data: e.data })),
    { bnEpsilon, ...(file === undefined ? {} : { checkpoint: file }) },
  );
  if (mapped.meta.numClasses !== 0) {
    throw new CaffeImportError('unsupported', 'the network has fc1_voc12_c* weights but no ASPP layers fc1_*_c<k> in the prototxt', {
      ...(file === undefined ? {} : { file }),
      where: 'fc1_voc12_c0',
    });
  }
  const leftOut = [...mapped.report.unknown, ...mapped.report.optimizerSlots, ...mapped.report.counters].map((t) => ({
    name: t.name,
    shape: t.shape,
  }));
  const layers = [...new Set(leftOut.map((t) => t.name.split('/')[0]!))];
  if (layers.length) report.warnings.push(`left out ${layers.join(', ')}: not part of the ResNet backbone (the classifier)`);
  report.warnings.push(
    'no ASPP head (fc1_*_c<k>): wrote a ResNet backbone (numClasses 0); training from it creates the head as train.py --not-restore-last',
  );
  const { tfCheckpoint: _t, ...rest } = mapped.meta;
  const source = {
    ...(options.prototxtFile ? { prototxt: options.prototxtFile } : {}),
    ...(options.caffemodelFile ? { caffemodel: options.caffemodelFile } : {}),
  };
  const meta: ObjselNetworkMeta = { ...rest, bnEpsilon, backboneOnly: true, ...(Object.keys(source).length ? { source } : {}) };
  const { depth, blocks, inputChannels, widthMultiplier } = mapped.report.architecture;
  report.totals.weights = mapped.entries.length;
  report.totals.parameters = mapped.report.totals.parameters;
  report.totals.bytes = mapped.report.totals.bytes;
  return {
    backbone: { entries: mapped.entries, report: { architecture: { depth, blocks, inputChannels, widthMultiplier }, leftOut } },
    meta,
  };
}
