/**
 * From what a user passes to the checkpoint files: the prefix TensorFlow's `Saver` prints
 * (`snapshots/model.ckpt-20000`, V2: `PREFIX.index` + `PREFIX.data-0000K-of-0000N`), the
 * `.index` or a `.data-*` file itself, a V1 file (`deeplab_resnet.ckpt`, or V1 shards
 * `PREFIX-0000K-of-0000N`), or a directory holding TensorFlow's `checkpoint` state file (text
 * format, `model_checkpoint_path: "..."`, relative to the directory unless absolute, as
 * `tf.train.get_checkpoint_state` reads it). String logic over {@link ReadableFiles}.
 */
import { CaffeImportError } from '../errors';
import { parseTextFormat, scalarField } from '../text-format';
import { ckptError } from './fail';
import type { ReadableFiles } from '../files';

/** Where a checkpoint's files are. */
export interface ResolvedTfCheckpoint {
  /** V2 (index + data shards) or V1 (one table file, or V1 shards). */
  format: 'v1' | 'v2';
  /** The path as given. */
  input: string;
  /** V2: the prefix (`dir/model.ckpt-20000`); V1: the file (the first shard for V1 shards). */
  prefix: string;
  /** V2: `[PREFIX.index]` (the data shards follow from its header); V1: the file(s). */
  files: string[];
  /** How the path was understood. */
  via: 'prefix' | 'index-file' | 'data-file' | 'v1-file' | 'v1-shards' | 'checkpoint-state' | 'only-index-in-directory';
  /** The `checkpoint` state file read, when a directory was given. */
  stateFile?: string;
}

// Path helpers of their own (not ../files): a `checkpoint` state file written on Windows names
// `C:\\...` paths, and an absolute `model_checkpoint_path` replaces the directory.

/** Joins `name` to `dir` unless `name` is absolute. */
function joinPath(dir: string, name: string): string {
  if (isAbsolute(name) || dir === '' || dir === '.') return name;
  return /[\\/]$/.test(dir) ? `${dir}${name}` : `${dir}/${name}`;
}

/** True for `/x`, `\\x` and `C:\\x` / `C:/x`. */
function isAbsolute(p: string): boolean {
  return /^([\\/]|[A-Za-z]:[\\/])/.test(p);
}

/** The directory part of a path (`.` when none). */
function dirName(p: string): string {
  const i = Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\'));
  if (i < 0) return '.';
  return i === 0 ? p.slice(0, 1) : p.slice(0, i);
}

/** The last component of a path. */
function baseName(p: string): string {
  const trimmed = p.replace(/[\\/]+$/, '');
  const i = Math.max(trimmed.lastIndexOf('/'), trimmed.lastIndexOf('\\'));
  return trimmed.slice(i + 1);
}

/** `PREFIX.data-0000K-of-0000N`, as TensorFlow names V2 data shards (`tensor_bundle/naming.cc`). */
export function dataShardName(prefix: string, shard: number, count: number): string {
  const pad = (n: number) => String(n).padStart(5, '0');
  return `${prefix}.data-${pad(shard)}-of-${pad(count)}`;
}

const DATA_SUFFIX = /\.data-\d{5}-of-\d{5}$/;
/** The state file TensorFlow's Saver keeps beside its checkpoints. */
export const CHECKPOINT_STATE_FILE = 'checkpoint';

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Reads `model_checkpoint_path` from a `checkpoint` state file. */
async function fromStateFile(files: ReadableFiles, dir: string, input: string): Promise<ResolvedTfCheckpoint> {
  const stateFile = joinPath(dir, CHECKPOINT_STATE_FILE);
  const text = new TextDecoder().decode(await files.readFile(stateFile));
  let path: string | undefined;
  try {
    const value = scalarField(parseTextFormat(text, { file: stateFile }), 'model_checkpoint_path')?.value;
    path = typeof value === 'string' ? value : undefined;
  } catch (error) {
    if (error instanceof CaffeImportError) throw error.withFile(stateFile);
    throw error;
  }
  if (!path) throw ckptError('bad-checkpoint', 'the checkpoint state file has no model_checkpoint_path', stateFile);
  let prefix = joinPath(dir, path);
  // A directory that was moved keeps absolute paths of where it was: try the same name here.
  if (isAbsolute(path) && !(await files.exists(`${prefix}.index`)) && !(await files.exists(prefix))) {
    const local = joinPath(dir, baseName(path));
    if ((await files.exists(`${local}.index`)) || (await files.exists(local))) prefix = local;
  }
  const resolved = await resolveFile(files, prefix, input, stateFile);
  return { ...resolved, via: 'checkpoint-state', stateFile };
}

/** The names in directory `dir`, or undefined when it is not a directory (or does not exist). */
async function entriesOf(files: ReadableFiles, dir: string): Promise<string[] | undefined> {
  try {
    return await files.readdir(dir);
  } catch {
    return undefined;
  }
}

/** V1 shards `PREFIX-?????-of-0000N` next to a prefix, sorted; empty when none. */
async function v1Shards(files: ReadableFiles, prefix: string): Promise<string[]> {
  const dir = dirName(prefix);
  const names = (await entriesOf(files, dir)) ?? [];
  const base = baseName(prefix).replace(/-\?{5}-of-\d{5}$/, '');
  const re = new RegExp(`^${escapeRegExp(base)}-\\d{5}-of-(\\d{5})$`);
  const found = names.filter((n) => re.test(n)).sort();
  return found.map((n) => (dir === '.' && !prefix.startsWith('./') ? n : joinPath(dir, n)));
}

async function resolveFile(files: ReadableFiles, path: string, input: string, stateFile?: string): Promise<ResolvedTfCheckpoint> {
  const named = stateFile ? ` (named in ${stateFile})` : '';
  if (path.endsWith('.index')) {
    const prefix = path.slice(0, -'.index'.length);
    if (!(await files.exists(path))) throw ckptError('missing-file', `the V2 checkpoint index does not exist${named}`, path);
    return { format: 'v2', input, prefix, files: [path], via: 'index-file' };
  }
  if (DATA_SUFFIX.test(path)) {
    const prefix = path.replace(DATA_SUFFIX, '');
    const index = `${prefix}.index`;
    if (!(await files.exists(index))) throw ckptError('missing-file', `the V2 checkpoint index of this data file is missing`, index);
    return { format: 'v2', input, prefix, files: [index], via: 'data-file' };
  }
  if (await files.exists(`${path}.index`)) return { format: 'v2', input, prefix: path, files: [`${path}.index`], via: 'prefix' };
  if ((await files.exists(path)) && (await entriesOf(files, path)) === undefined) {
    return { format: 'v1', input, prefix: path, files: [path], via: 'v1-file' };
  }
  const shards = await v1Shards(files, path);
  if (shards.length > 0) return { format: 'v1', input, prefix: shards[0]!, files: shards, via: 'v1-shards' };
  const dir = dirName(path);
  const data = ((await entriesOf(files, dir)) ?? []).filter((n) => n.startsWith(`${baseName(path)}.data-`));
  throw ckptError(
    'missing-file',
    data.length > 0
      ? `V2 checkpoint prefix without its index: ${baseName(path)}.index is missing beside ${data[0]}${named}`
      : `no checkpoint here: neither ${baseName(path)}.index (V2) nor ${baseName(path)} (V1) exists${named}`,
    path,
  );
}

/**
 * Finds the files of the checkpoint at `path` (prefix, `.index`/`.data` file, V1 file or shards,
 * or a directory with a `checkpoint` state file). Reads only the state file, if any.
 *
 * @throws CaffeImportError `missing-file` naming the path when nothing matches (a V2 prefix
 * whose files are absent, a directory without a state file), `bad-text` / `bad-checkpoint` for
 * an unreadable state file.
 */
export async function resolveTfCheckpoint(files: ReadableFiles, path: string): Promise<ResolvedTfCheckpoint> {
  const listing = await entriesOf(files, path);
  if (listing !== undefined) {
    if (listing.includes(CHECKPOINT_STATE_FILE)) return fromStateFile(files, path, path);
    const indexes = listing.filter((n) => n.endsWith('.index'));
    if (indexes.length === 1) {
      const resolved = await resolveFile(files, joinPath(path, indexes[0]!), path);
      return { ...resolved, via: 'only-index-in-directory' };
    }
    throw ckptError(
      'missing-file',
      indexes.length > 1
        ? `the directory has no '${CHECKPOINT_STATE_FILE}' file to choose among ${indexes.length} checkpoints (${indexes.slice(0, 3).join(', ')}${indexes.length > 3 ? ', ...' : ''}); pass a prefix`
        : `the directory has neither a '${CHECKPOINT_STATE_FILE}' file nor a checkpoint`,
      path,
    );
  }
  return resolveFile(files, path, path);
}
