import { buildLayerGraph, parseCaffemodel, parsePrototxt, type PrototxtLayer } from '@objsel/caffe-import';
import type { Command } from 'commander';
import type { CliContext } from '../../context';
import { CliError } from '../../errors';
import { withExamples } from '../../examples';
import { readBytes } from '../../node-fs';
import { formatInspectCheckpoint, looksLikeTfCheckpoint, runInspectCheckpoint } from './checkpoint';

/** One layer as `inspect` shows it. */
export interface InspectedLayer {
  name: string;
  type: string;
  bottoms: string[];
  tops: string[];
  inPlace?: boolean;
  /** Output shape(s) inferred from the prototxt (NCHW), when the input size is known. */
  outputShapes?: Array<number[] | null>;
  /** Geometry of convolutions and pooling. */
  params?: Record<string, unknown>;
  /** Caffemodel blobs: shape and storage. */
  blobs?: Array<{ shape: number[]; encoding: string; legacyShape: boolean }>;
}

/** What `objsel inspect` reports. */
export interface InspectResult {
  file: string;
  kind: 'prototxt' | 'caffemodel';
  name: string;
  format: string;
  inputs: Array<{ name: string; shape?: number[] }>;
  layers: InspectedLayer[];
  types: Record<string, number>;
  totals: { layers: number; blobs: number; parameters: number };
}

/** True when the first bytes look like text (a prototxt), not a binary protobuf. */
function looksLikeText(bytes: Uint8Array): boolean {
  const head = bytes.subarray(0, 4096);
  let printable = 0;
  for (const b of head) if (b === 9 || b === 10 || b === 13 || (b >= 32 && b < 127) || b >= 0xc0) printable++;
  return head.length > 0 && printable / head.length > 0.97;
}

function layerParams(l: PrototxtLayer): Record<string, unknown> | undefined {
  if (l.convolution) {
    const c = l.convolution;
    return {
      numOutput: c.numOutput,
      kernel: c.kernel,
      stride: c.stride,
      pad: c.pad,
      dilation: c.dilation,
      bias: c.biasTerm,
      ...(c.group > 1 ? { group: c.group } : {}),
    };
  }
  if (l.pooling) return { ...l.pooling };
  if (l.batchNorm) return { ...l.batchNorm };
  if (l.scale) return { ...l.scale };
  if (l.innerProduct) return { ...l.innerProduct };
  if (l.eltwise) return { ...l.eltwise };
  return undefined;
}

/** Reads a .prototxt or .caffemodel (decided by content) and lists its layers. */
export async function runInspect(file: string): Promise<InspectResult> {
  const bytes = await readBytes(file);
  const types: Record<string, number> = {};
  const count = (t: string) => (types[t || '(none)'] = (types[t || '(none)'] ?? 0) + 1);
  if (/\.prototxt$/i.test(file) || (!/\.caffemodel$/i.test(file) && looksLikeText(bytes))) {
    const net = parsePrototxt(new TextDecoder().decode(bytes), { file });
    const graph = buildLayerGraph(net, { file });
    // As convert: a network without layers is not one (an empty or truncated file).
    if (graph.nodes.length === 0) throw new CliError('usage', 'the prototxt defines no layers', { file });
    const layers = graph.nodes.map((n): InspectedLayer => {
      count(n.layer.type);
      const params = layerParams(n.layer);
      return {
        name: n.layer.name,
        type: n.layer.type,
        bottoms: n.layer.bottoms,
        tops: n.layer.tops,
        ...(n.inPlace ? { inPlace: true } : {}),
        outputShapes: n.outputShapes.map((s) => s ?? null),
        ...(params ? { params } : {}),
      };
    });
    return {
      file,
      kind: 'prototxt',
      name: net.name,
      format: net.format,
      inputs: graph.inputs,
      layers,
      types,
      totals: { layers: layers.length, blobs: 0, parameters: 0 },
    };
  }
  // Blobs are only measured, so the parser may realign data inside this private buffer.
  const model = parseCaffemodel(bytes, { file, reuseBuffer: true });
  let blobs = 0;
  let parameters = 0;
  const layers = model.layers.map((l): InspectedLayer => {
    count(l.type);
    blobs += l.blobs.length;
    for (const b of l.blobs) parameters += b.data.length;
    return {
      name: l.name,
      type: l.type,
      bottoms: l.bottoms,
      tops: l.tops,
      blobs: l.blobs.map((b) => ({ shape: b.shape, encoding: b.encoding, legacyShape: b.legacyShape })),
    };
  });
  const inputs = model.inputs.map((name, i) => {
    const shape = model.inputShapes[i] ?? (model.inputDims.length >= 4 * (i + 1) ? model.inputDims.slice(4 * i, 4 * i + 4) : undefined);
    return shape ? { name, shape } : { name };
  });
  return {
    file,
    kind: 'caffemodel',
    name: model.name,
    format: model.format,
    inputs,
    layers,
    types,
    totals: { layers: layers.length, blobs, parameters },
  };
}

const dims = (s: number[] | null | undefined) => (s ? s.join('x') : '?');

/** The human listing. */
export function formatInspect(r: InspectResult): string {
  const lines = [
    `${r.file}: ${r.kind} ${r.name ? `'${r.name}'` : '(unnamed)'} (${r.format === 'layers' ? "legacy V1 'layers'" : r.format === 'layer' ? "'layer'" : 'no layers'}), ${r.totals.layers} layers` +
      (r.kind === 'caffemodel' ? `, ${r.totals.blobs} blobs, ${r.totals.parameters.toLocaleString('en-US')} parameters` : ''),
  ];
  for (const i of r.inputs) lines.push(`input  ${i.name} ${dims(i.shape)}`);
  const w = Math.min(28, Math.max(4, ...r.layers.map((l) => l.name.length)));
  const tw = Math.min(14, Math.max(4, ...r.layers.map((l) => l.type.length)));
  for (const l of r.layers) {
    const flow = `${l.bottoms.join(',') || '-'} -> ${l.tops.join(',') || '-'}${l.inPlace ? ' (in place)' : ''}`;
    const extra =
      r.kind === 'caffemodel'
        ? l.blobs!.length
          ? `blobs ${l.blobs!.map((b) => `[${b.shape.join(',')}]`).join(' ')} ${l.blobs![0]!.encoding}`
          : ''
        : `out ${l.outputShapes!.map(dims).join(',')}${l.params && 'kernel' in l.params ? ` k${(l.params.kernel as number[]).join('x')} s${(l.params.stride as number[])[0]} p${(l.params.pad as number[])[0]}${'dilation' in l.params ? ` d${(l.params.dilation as number[])[0]}` : ''}` : ''}`;
    lines.push(`${l.name.padEnd(w)}  ${(l.type || '(none)').padEnd(tw)}  ${flow.padEnd(40)}  ${extra}`.trimEnd());
  }
  lines.push(
    `types  ${Object.entries(r.types)
      .map(([t, n]) => `${t} ${n}`)
      .join(', ')}`,
  );
  return lines.join('\n');
}

/** `objsel inspect FILE`: layers, types, tops/bottoms and blob shapes of a Caffe file. */
export function registerInspect(program: Command, context: () => CliContext): void {
  const cmd = program
    .command('inspect')
    .description(
      'list the layers of a .prototxt (types, tops/bottoms, inferred shapes) or .caffemodel (types, blob shapes), or the tensors of a TensorFlow checkpoint (names, dtypes, shapes)',
    )
    .argument(
      '<file>',
      '.prototxt, .caffemodel or TensorFlow checkpoint (V2 prefix, V1 file, directory with a checkpoint file; detected by content)',
    )
    .action(async (file: string) => {
      const ctx = context();
      if (await looksLikeTfCheckpoint(file)) {
        const listed = await runInspectCheckpoint(file);
        ctx.result(listed, () => formatInspectCheckpoint(listed));
        return;
      }
      const result = await runInspect(file);
      ctx.result(result, () => formatInspect(result));
    });
  withExamples(cmd, [
    'objsel inspect deploy.prototxt',
    'objsel inspect train_iter_20000.caffemodel --json',
    'objsel inspect snapshots/model.ckpt-20000',
    'objsel inspect deeplab_resnet.ckpt --json',
  ]);
}
