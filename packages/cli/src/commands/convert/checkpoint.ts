import path from 'node:path';
import { convertTfCheckpoint, resolveTfCheckpoint, type ObjselNetworkMeta, type TfConversionReport } from '@objsel/caffe-import';
import { nodeFileSystem, writeWeightsDir } from '@objsel/caffe-import/node';
import { assertOutputSeparate, assertReplaceableWeightsDir } from '../../output-guard';
import { withStagedOutputs } from '../../staged-outputs';

/** Inputs of {@link runConvertCheckpoint}. */
export interface ConvertCheckpointRequest {
  /** A V2 prefix, `.index`/`.data-*` file, V1 file, or a directory with TensorFlow's `checkpoint` file. */
  checkpoint: string;
  out: string;
  /** Replace `out` even if it is a file or a directory without objsel weights (`--force`). */
  force?: boolean;
  shardBytes?: number;
  generatedBy?: string;
}

/** What `objsel convert --checkpoint` reports. */
export interface ConvertCheckpointResult {
  out: string;
  modelJson: string;
  shards: number;
  checkpoint: { path: string; format: 'v1' | 'v2'; files: Array<{ file: string; bytes: number }> };
  network: Pick<ObjselNetworkMeta, 'architecture' | 'inputChannels' | 'numClasses' | 'blocks' | 'widthMultiplier' | 'bnEpsilon'>;
  report: TfConversionReport;
  timingsMs: { convert: number; write: number; total: number };
}

const since = (t: number) => Math.round(performance.now() - t);

/**
 * Converts a TensorFlow checkpoint with the TF port's names to an objsel weights directory
 * (optimiser slots and step counters are reported and left out). The checkpoint's files are
 * read for this call only, so V1 values are realigned inside them (no copies).
 *
 * @throws CliError `usage` when `out` would overwrite the checkpoint; CaffeImportError naming the
 * file for a missing shard, a bad checksum or a network that is not a DeepLab ResNet.
 */
export async function runConvertCheckpoint(request: ConvertCheckpointRequest): Promise<ConvertCheckpointResult> {
  const t0 = performance.now();
  const resolved = await resolveTfCheckpoint(nodeFileSystem, request.checkpoint);
  assertOutputSeparate('--out', request.out, [request.checkpoint, resolved.prefix, ...resolved.files, resolved.stateFile]);
  assertReplaceableWeightsDir('--out', request.out, request.force === true);
  const result = await convertTfCheckpoint(nodeFileSystem, request.checkpoint, { consumeInput: true });
  const convert = since(t0);
  const t1 = performance.now();
  const modelJson = await withStagedOutputs([request.out], async (out) => {
    await out.mkdir(path.dirname(path.resolve(request.out)));
    return writeWeightsDir(request.out, result.entries, result.meta, {
      ...(request.shardBytes ? { shardBytes: request.shardBytes } : {}),
      generatedBy: request.generatedBy ?? '@objsel/cli',
      convertedBy: '@objsel/caffe-import',
    });
  });
  const { architecture, inputChannels, numClasses, blocks, widthMultiplier, bnEpsilon } = result.meta;
  return {
    out: request.out,
    modelJson: path.join(request.out, 'model.json'),
    shards: modelJson.weightsManifest[0]!.paths.length,
    checkpoint: { path: request.checkpoint, format: result.resolved.format, files: result.filesRead },
    network: { architecture, inputChannels, numClasses, blocks, widthMultiplier, bnEpsilon },
    report: result.report,
    timingsMs: { convert, write: since(t1), total: since(t0) },
  };
}

function list(names: string[], max = 6): string {
  return names.length > max ? `${names.slice(0, max).join(', ')}, ... (${names.length} in all)` : names.join(', ');
}

/** The human summary of a checkpoint conversion. */
export function formatConvertCheckpoint(r: ConvertCheckpointResult): string {
  const { report: rep, network: n } = r;
  const a = rep.architecture;
  const mib = (rep.totals.bytes / 1024 / 1024).toFixed(1);
  const head = a.backboneOnly
    ? 'no head (a ResNet backbone: training creates it)'
    : `${n.numClasses} classes, ASPP rates ${a.asppRates.join('/')}${a.attention ? ', DCSP attention head fc1_voc12_d0' : ''}`;
  const lines = [
    `wrote ${r.modelJson} + ${r.shards} shard(s): ${rep.totals.weights} weights, ${rep.totals.parameters.toLocaleString('en-US')} parameters, ${mib} MiB`,
    `from      TensorFlow ${r.checkpoint.format.toUpperCase()} checkpoint ${r.checkpoint.path} (${r.checkpoint.files.map((f) => path.basename(f.file)).join(', ')})`,
    `network   ResNet-${a.depth} [${a.blocks.join(',')}], ${n.inputChannels} input channel(s), width x${n.widthMultiplier}, ${head}, dilations ${a.dilations.join('/')}, BatchNorm eps ${n.bnEpsilon}`,
  ];
  const skipped = [
    ['optimiser slots', rep.optimizerSlots],
    ['counters', rep.counters],
    ['unknown', rep.unknown],
  ] as const;
  for (const [what, items] of skipped) {
    if (items.length) lines.push(`skipped   ${items.length} ${what}: ${list(items.map((t) => t.name))}`);
  }
  if (skipped.every(([, items]) => items.length === 0)) lines.push('skipped   nothing: every variable is part of the network');
  for (const w of rep.warnings) lines.push(`warning   ${w}`);
  const t = r.timingsMs;
  lines.push(`time      ${t.total} ms (read+convert ${t.convert}, write ${t.write})`);
  return lines.join('\n');
}
