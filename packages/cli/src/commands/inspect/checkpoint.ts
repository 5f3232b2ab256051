import { promises as fs } from 'node:fs';
import { hasTableMagic, listTfCheckpoint } from '@objsel/caffe-import';
import { nodeFileSystem } from '@objsel/caffe-import/node';

/** What `objsel inspect` reports for a TensorFlow checkpoint. */
export interface InspectCheckpointResult {
  file: string;
  kind: 'tf-checkpoint';
  format: 'v1' | 'v2';
  /** The V2 prefix or V1 file read. */
  prefix: string;
  /** How the path was understood (prefix, checkpoint-state, ...). */
  via: string;
  /** Every tensor in key order: name, TensorFlow element type, shape, stored slices. */
  tensors: Array<{ name: string; dtype: string; shape: number[]; slices: number }>;
  totals: { tensors: number; parameters: number };
}

const CHECKPOINT_FILE = /\.(index|data-\d{5}-of-\d{5})$/;

/**
 * True when `file` names a TensorFlow checkpoint rather than a Caffe file: a directory, a V2
 * prefix (its `.index` exists), an `.index`/`.data-*` file, or a file ending with the table magic (V1).
 */
export async function looksLikeTfCheckpoint(file: string): Promise<boolean> {
  if (/\.(prototxt|caffemodel)$/i.test(file)) return false;
  if (CHECKPOINT_FILE.test(file)) return true;
  const stat = await fs.stat(file).catch(() => undefined);
  if (!stat) return nodeFileSystem.exists(`${file}.index`);
  if (stat.isDirectory()) return true;
  if (stat.size < 48) return false;
  const handle = await fs.open(file, 'r');
  try {
    const tail = new Uint8Array(48);
    await handle.read(tail, 0, 48, stat.size - 48);
    return hasTableMagic(tail);
  } finally {
    await handle.close();
  }
}

/** Lists a checkpoint's tensors without reading their values (only the `.index` of a V2 checkpoint), like TensorFlow's `inspect_checkpoint`. */
export async function runInspectCheckpoint(file: string): Promise<InspectCheckpointResult> {
  const listing = await listTfCheckpoint(nodeFileSystem, file);
  const tensors = listing.tensors.map((t) => ({ name: t.name, dtype: t.tfDtype, shape: [...t.shape], slices: t.slices }));
  const parameters = tensors.reduce((n, t) => n + t.shape.reduce((a, b) => a * b, 1), 0);
  return {
    file,
    kind: 'tf-checkpoint',
    format: listing.format,
    prefix: listing.resolved.prefix,
    via: listing.resolved.via,
    tensors,
    totals: { tensors: tensors.length, parameters },
  };
}

/** The human listing, one `name (DT_FLOAT) [1,1,64,256]` line per tensor as inspect_checkpoint prints them. */
export function formatInspectCheckpoint(r: InspectCheckpointResult): string {
  const lines = [
    `${r.file}: TensorFlow ${r.format.toUpperCase()} checkpoint ${r.prefix}, ${r.totals.tensors} tensors, ${r.totals.parameters.toLocaleString('en-US')} values`,
  ];
  for (const t of r.tensors) lines.push(`${t.name} (${t.dtype}) [${t.shape.join(',')}]${t.slices > 1 ? ` in ${t.slices} slices` : ''}`);
  return lines.join('\n');
}
