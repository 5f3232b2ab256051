/**
 * The `objsel` section of model.json for a DeepLab-v2 ResNet prototxt: input channels, classes
 * (the ASPP convolutions `fc1_*_c<k>`), residual units per stage (from the `res<stage><unit>`
 * names), width, BatchNorm epsilon and every convolution/pooling layer's geometry.
 */
import { CaffeImportError } from './errors';
import type { LayerGraph } from './graph';
import type { NetDefinition } from './prototxt';
import type { ObjselLayerSpec, ObjselNetworkMeta } from './weights-format';

/** Options of {@link deeplabMeta}. */
export interface DeeplabMetaOptions {
  /** Prototxt file name for errors. */
  file?: string;
  /** Recorded as `source`. */
  source?: { prototxt?: string; caffemodel?: string };
}

/** ASPP branch names of DeepLab-v2 (`fc1_voc12_c0` ... `fc1_voc12_c3`). */
const ASPP_NAME = /^fc1_.*_c\d+$/;
/** First convolution of each residual unit (`res4b22_branch2a` → stage 4, unit `b22`). */
const UNIT_NAME = /^res([2-5])([a-z][a-z0-9]*)_branch2a$/;

/**
 * Describes a DeepLab-v2 ResNet network from its prototxt and layer graph.
 *
 * @returns the metadata and warnings (e.g. BatchNorm layers with different eps).
 * @throws CaffeImportError `unsupported` when the prototxt is not a DeepLab-v2 ResNet (no input
 * shape, no `conv1`, no `res2..res5` units, no ASPP `fc1_*_c<k>` convolutions or unequal classes).
 */
export function deeplabMeta(
  net: NetDefinition,
  graph: LayerGraph,
  options: DeeplabMetaOptions = {},
): { meta: ObjselNetworkMeta; warnings: string[] } {
  const fail = (message: string, where: string) =>
    new CaffeImportError('unsupported', `not a DeepLab-v2 ResNet definition: ${message}`, {
      ...(options.file === undefined ? {} : { file: options.file }),
      where,
    });
  const warnings: string[] = [];
  const input = graph.inputs[0];
  const inputChannels = input?.shape?.[1];
  if (inputChannels === undefined) throw fail('the net input has no shape (add input_dim, input_shape or an Input layer)', 'input');

  const aspp = net.layers.filter((l) => l.type === 'Convolution' && ASPP_NAME.test(l.name));
  if (aspp.length === 0) throw fail("no ASPP convolutions named fc1_*_c<k> (e.g. 'fc1_voc12_c0')", 'layers');
  const classes = new Set(aspp.map((l) => l.convolution!.numOutput));
  if (classes.size !== 1) throw fail(`ASPP convolutions disagree on num_output (${[...classes].join(', ')})`, `layer '${aspp[0]!.name}'`);

  const units = new Map<number, Set<string>>([2, 3, 4, 5].map((s) => [s, new Set<string>()]));
  for (const l of net.layers) {
    const m = UNIT_NAME.exec(l.name);
    if (m && l.type === 'Convolution') units.get(Number(m[1]))!.add(m[2]!);
  }
  const blocks = [2, 3, 4, 5].map((s) => units.get(s)!.size);
  const emptyStage = blocks.indexOf(0);
  if (emptyStage >= 0) throw fail(`no residual units res${emptyStage + 2}*_branch2a`, 'layers');

  const conv1 = net.layers.find((l) => l.name === 'conv1' && l.type === 'Convolution');
  if (!conv1) throw fail("no Convolution layer named 'conv1'", 'layers');

  const epsilons = net.layers.filter((l) => l.type === 'BatchNorm').map((l) => ({ name: l.name, eps: l.batchNorm!.eps }));
  const bnEpsilon = epsilons[0]?.eps ?? 1e-5;
  const other = epsilons.find((e) => e.eps !== bnEpsilon);
  if (other)
    warnings.push(
      `BatchNorm layers use different eps (${bnEpsilon} in '${epsilons[0]!.name}', ${other.eps} in '${other.name}'); bnEpsilon is ${bnEpsilon}`,
    );

  const layers: ObjselLayerSpec[] = [];
  graph.nodes.forEach((node) => {
    const l = node.layer;
    const inChannels = node.inputShapes[0]?.[1];
    if (l.convolution && l.type === 'Convolution') {
      const c = l.convolution;
      layers.push({
        name: l.name,
        type: l.type,
        kernel: [...c.kernel],
        stride: [...c.stride],
        dilation: [...c.dilation],
        pad: [...c.pad],
        ...(inChannels === undefined ? {} : { inChannels }),
        outChannels: c.numOutput,
        bias: c.biasTerm,
        ...(c.group === 1 ? {} : { group: c.group }),
      });
    } else if (l.pooling) {
      const p = l.pooling;
      const shape = node.inputShapes[0];
      const kernel: [number, number] = p.globalPooling && shape ? [shape[2]!, shape[3]!] : [...p.kernel];
      layers.push({
        name: l.name,
        type: l.type,
        kernel,
        stride: [...p.stride],
        dilation: [1, 1],
        pad: [...p.pad],
        ...(inChannels === undefined ? {} : { inChannels, outChannels: inChannels }),
        bias: false,
        pool: p.pool,
        roundMode: p.roundMode,
        ...(p.globalPooling ? { globalPooling: true } : {}),
      });
    }
  });

  const meta: ObjselNetworkMeta = {
    version: 1,
    architecture: 'deeplab-v2-resnet',
    inputChannels,
    numClasses: [...classes][0]!,
    blocks,
    widthMultiplier: conv1.convolution!.numOutput / 64,
    bnEpsilon,
    layers,
    ...(options.source ? { source: options.source } : {}),
  };
  return { meta, warnings };
}
