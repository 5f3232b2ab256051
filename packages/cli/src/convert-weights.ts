/**
 * A Caffe ResNet conversion on Node's file system (`objsel convert`, also the demo's first step)
 * and its human summary.
 */
import path from 'node:path';
import { convertResnetCaffe, type BackboneReport, type ConversionReport, type ObjselNetworkMeta } from '@objsel/caffe-import';
import { writeWeightsDir } from '@objsel/caffe-import/node';
import type { CliContext } from './context';
import { readBytes, readText } from './node-fs';
import { assertOutputSeparate, assertReplaceableWeightsDir } from './output-guard';
import { withStagedOutputs } from './staged-outputs';

/** Inputs of {@link runConvert}. */
export interface ConvertRequest {
  prototxt: string;
  caffemodel: string;
  out: string;
  /** Replace `out` even if it is a file or a directory without objsel weights (`--force`). */
  force?: boolean;
  allowMissing?: boolean;
  phase?: 'TRAIN' | 'TEST';
  shardBytes?: number;
  generatedBy?: string;
}

/** What `objsel convert` reports. */
export interface ConvertResult {
  out: string;
  modelJson: string;
  shards: number;
  network: Pick<ObjselNetworkMeta, 'architecture' | 'inputChannels' | 'numClasses' | 'blocks' | 'widthMultiplier' | 'bnEpsilon'>;
  report: ConversionReport;
  /** Set when the network had no ASPP head: a ResNet backbone was written. */
  backbone?: BackboneReport;
  timingsMs: { read: number; parsePrototxt: number; parseCaffemodel: number; convert: number; write: number; total: number };
}

const since = (t: number) => Math.round(performance.now() - t);

/**
 * Reads a prototxt and caffemodel, converts them (in place, so memory stays near the file size)
 * and writes `out/model.json` + shards atomically.
 */
export async function runConvert(request: ConvertRequest, onProgress?: CliContext['onProgress']): Promise<ConvertResult> {
  assertOutputSeparate('--out', request.out, [request.prototxt, request.caffemodel]);
  assertReplaceableWeightsDir('--out', request.out, request.force === true);
  const t0 = performance.now();
  const [text, bytes] = await Promise.all([readText(request.prototxt), readBytes(request.caffemodel)]);
  const read = since(t0);
  const result = convertResnetCaffe(text, bytes, {
    prototxtFile: request.prototxt,
    caffemodelFile: request.caffemodel,
    consumeInput: true,
    allowMissing: request.allowMissing ?? false,
    ...(request.phase ? { phase: request.phase } : {}),
    ...(onProgress ? { onProgress } : {}),
  });
  const t1 = performance.now();
  const modelJson = await withStagedOutputs([request.out], async (out) => {
    await out.mkdir(path.dirname(path.resolve(request.out)));
    return writeWeightsDir(request.out, result.entries, result.meta, {
      ...(request.shardBytes ? { shardBytes: request.shardBytes } : {}),
      generatedBy: request.generatedBy ?? '@objsel/cli',
      convertedBy: '@objsel/caffe-import',
      ...(onProgress ? { onProgress } : {}),
    });
  });
  const { architecture, inputChannels, numClasses, blocks, widthMultiplier, bnEpsilon } = result.meta;
  return {
    out: request.out,
    modelJson: path.join(request.out, 'model.json'),
    shards: modelJson.weightsManifest[0]!.paths.length,
    network: { architecture, inputChannels, numClasses, blocks, widthMultiplier, bnEpsilon },
    report: result.report,
    ...(result.backbone ? { backbone: result.backbone } : {}),
    timingsMs: {
      read,
      parsePrototxt: Math.round(result.timings.parsePrototxt),
      parseCaffemodel: Math.round(result.timings.parseCaffemodel),
      convert: Math.round(result.timings.convert),
      write: since(t1),
      total: since(t0),
    },
  };
}

function countBy<T>(items: T[], key: (t: T) => string): string {
  const counts = new Map<string, number>();
  for (const i of items) counts.set(key(i), (counts.get(key(i)) ?? 0) + 1);
  return [...counts].map(([k, n]) => `${k} ${n}`).join(', ');
}

function list(names: string[], max = 6): string {
  return names.length > max ? `${names.slice(0, max).join(', ')}, ... (${names.length} in all)` : names.join(', ');
}

/** The human summary of a conversion. */
export function formatConvert(r: ConvertResult): string {
  const { report: rep, network: n } = r;
  const mib = (rep.totals.bytes / 1024 / 1024).toFixed(1);
  const lines = [
    `wrote ${r.modelJson} + ${r.shards} shard(s): ${rep.totals.weights} weights, ${rep.totals.parameters.toLocaleString('en-US')} parameters, ${mib} MiB`,
    `network   ${n.architecture}, blocks [${n.blocks.join(',')}], ${n.inputChannels} input channel(s), ${r.backbone ? 'no head (a ResNet backbone: training creates it)' : `${n.numClasses} classes`}, width x${n.widthMultiplier}, BatchNorm eps ${n.bnEpsilon}`,
    `converted ${rep.converted.length} layer(s) (${countBy(rep.converted, (c) => (c.fusedWith ? `${c.type}+Scale` : c.type))})`,
    `skipped   ${rep.skipped.length} layer(s) without parameters${rep.skipped.length ? ` (${countBy(rep.skipped, (s) => s.type)})` : ''}`,
  ];
  const { layersWithoutBlobs, blobsWithoutLayers } = rep.missing;
  if (layersWithoutBlobs.length === 0 && blobsWithoutLayers.length === 0)
    lines.push('missing   none: every prototxt layer with parameters has blobs, every blob has a layer');
  if (layersWithoutBlobs.length)
    lines.push(`missing   ${layersWithoutBlobs.length} prototxt layer(s) without blobs: ${list(layersWithoutBlobs.map((l) => l.layer))}`);
  if (blobsWithoutLayers.length)
    lines.push(
      `unused    ${blobsWithoutLayers.length} caffemodel layer(s) not in the prototxt: ${list(blobsWithoutLayers.map((l) => l.layer))}`,
    );
  if (rep.unsupported.length)
    lines.push(
      `unsupported ${rep.unsupported.length} layer(s) with blobs of unmapped types: ${list(rep.unsupported.map((l) => `${l.layer} (${l.type})`))}`,
    );
  if (r.backbone?.leftOut.length) lines.push(`left out  ${list(r.backbone.leftOut.map((t) => `${t.name} [${t.shape.join(',')}]`))}`);
  for (const w of rep.warnings) lines.push(`warning   ${w}`);
  const t = r.timingsMs;
  lines.push(
    `time      ${t.total} ms (read ${t.read}, prototxt ${t.parsePrototxt}, caffemodel ${t.parseCaffemodel}, convert ${t.convert}, write ${t.write})`,
  );
  return lines.join('\n');
}
