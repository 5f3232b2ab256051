import { readdirSync, readFileSync, realpathSync, statSync, type Stats } from 'node:fs';
import path from 'node:path';
import { CliError } from './errors';

/** The absolute path with symbolic links of its existing part resolved, so two spellings of one place compare equal. */
function canonical(p: string): string {
  let existing = path.resolve(p);
  const rest: string[] = [];
  for (;;) {
    try {
      return path.join(realpathSync.native(existing), ...rest.reverse());
    } catch {
      const parent = path.dirname(existing);
      if (parent === existing) return path.resolve(p);
      rest.push(path.basename(existing));
      existing = parent;
    }
  }
}

/** True when `inner` is `outer` or lies inside it. */
function within(inner: string, outer: string): boolean {
  const rel = path.relative(outer, inner);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * Refuses an output that would overwrite an input: `out` equal to an input path, inside an input
 * directory, or containing an input (a directory replaced atomically would take the input with
 * it). Call before anything is written.
 *
 * @throws CliError `usage` (exit 2) naming the flag and the input.
 */
export function assertOutputSeparate(flag: string, out: string, inputs: ReadonlyArray<string | undefined>): void {
  const o = canonical(out);
  for (const input of inputs) {
    if (input === undefined || input === '') continue;
    const i = canonical(input);
    if (within(o, i) || within(i, o)) {
      const how = o === i ? 'is' : within(o, i) ? 'is inside' : 'contains';
      throw new CliError('usage', `${flag} ${out} ${how} the input ${input}; write the output elsewhere (inputs are never overwritten)`);
    }
  }
}

/** One output of a run: its flag (for messages) and its path (undefined when not asked for). */
export type OutputSpec = readonly [flag: string, path: string | undefined];

/**
 * Checks every output of a run before anything is written: none may be (or contain, or lie
 * inside) an input, none may be an existing directory (a file output would fail half-way or
 * replace a tree), and no two outputs may name the same place.
 *
 * @throws CliError `usage` (exit 2) naming the flags involved.
 */
export function assertOutputsSafe(outputs: readonly OutputSpec[], inputs: ReadonlyArray<string | undefined>): void {
  const given = outputs.filter((o): o is readonly [string, string] => o[1] !== undefined && o[1] !== '');
  for (const [flag, out] of given) {
    assertOutputSeparate(flag, out, inputs);
    assertDirectoryCanHold(flag, out);
    if (isDirectory(out)) throw new CliError('usage', `${flag} ${out} is a directory; name a file to write`);
  }
  const seen = new Map<string, string>();
  for (const [flag, out] of given) {
    const place = canonical(out);
    const earlier = seen.get(place);
    if (earlier !== undefined) throw new CliError('usage', `${earlier} and ${flag} both name ${out}; each output needs its own file`);
    seen.set(place, flag);
  }
}

/**
 * Refuses an output whose directory can never exist because a regular file stands where one of
 * its parent directories would be, so the run fails before any work rather than at its first write.
 *
 * @throws CliError `usage` naming the flag and the file in the way.
 */
export function assertDirectoryCanHold(flag: string, out: string): void {
  let d = path.dirname(path.resolve(out));
  for (;;) {
    let stats: Stats | undefined;
    try {
      stats = statSync(d);
    } catch {
      // missing: it will be made
    }
    if (stats) {
      if (!stats.isDirectory()) throw new CliError('usage', `${flag} ${out}: ${d} is a file, so no directory can be made there`);
      return;
    }
    const parent = path.dirname(d);
    if (parent === d) return;
    d = parent;
  }
}

/** True when `p` exists and is a directory (following symbolic links). */
function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/**
 * A weights-directory output (`convert --out`) may replace only what is missing or an earlier
 * objsel weights directory (a `model.json` with an `objsel` section); an unrelated directory or a
 * regular file is kept unless `force` (`--force`) says otherwise. Call before anything is written.
 *
 * @throws CliError `usage` naming the flag and what is there.
 */
export function assertReplaceableWeightsDir(flag: string, out: string, force: boolean): void {
  assertDirectoryCanHold(flag, out);
  if (force) return;
  let stats: Stats;
  try {
    stats = statSync(out);
  } catch {
    return; // nothing there yet
  }
  if (!stats.isDirectory())
    throw new CliError('usage', `${flag} ${out} is an existing file, not a weights directory; remove it or add --force to replace it`);
  if (readdirSync(out).length === 0 || isObjselWeightsDir(out)) return;
  throw new CliError(
    'usage',
    `${flag} ${out} is a directory that is not an objsel weights directory (no model.json with an objsel section); choose another --out or add --force to replace it`,
  );
}

/** True when `dir/model.json` parses and has an `objsel` object. */
function isObjselWeightsDir(dir: string): boolean {
  try {
    const json = JSON.parse(readFileSync(path.join(dir, 'model.json'), 'utf8')) as { objsel?: unknown };
    return typeof json.objsel === 'object' && json.objsel !== null;
  } catch {
    return false;
  }
}

/**
 * {@link assertOutputsSafe} for a run writing one file per listed item (`<save-dir>/<id>.png`
 * over a data list of thousands): each output is compared with the inputs' canonical paths in a
 * set, and must not lie inside any of `directories` (the weights read), so the check stays linear.
 *
 * @throws CliError `usage` naming the flag, the output and the input it would overwrite.
 */
export function assertItemOutputsSafe(
  flag: string,
  outputs: readonly string[],
  inputs: ReadonlyArray<string | undefined>,
  directories: ReadonlyArray<string | undefined>,
): void {
  const read = new Map<string, string>();
  for (const input of inputs) if (input) read.set(canonical(input), input);
  const dirs = directories.filter((d): d is string => d !== undefined && d !== '').map((d) => [d, canonical(d)] as const);
  const seen = new Set<string>();
  for (const out of outputs) {
    const place = canonical(out);
    const input = read.get(place);
    if (input !== undefined) throw new CliError('usage', `${flag}: ${out} would overwrite the input ${input}; write the outputs elsewhere`);
    const dir = dirs.find(([, d]) => within(place, d));
    if (dir) throw new CliError('usage', `${flag}: ${out} is inside the input ${dir[0]}; write the outputs elsewhere`);
    if (seen.has(place)) throw new CliError('usage', `${flag}: two items would both be written to ${out}`);
    if (isDirectory(out)) throw new CliError('usage', `${flag}: ${out} is a directory; it cannot be written as a file`);
    seen.add(place);
  }
}

/**
 * A directory output that objsel fills with many files (`data make-synthetic --out`) may be
 * missing, empty, or an earlier output of the same kind (it holds `marker`, whose JSON has
 * `field` starting with `prefix`); anything else, unrelated files in particular, is refused
 * unless `force`. Call before anything is written.
 *
 * @throws CliError `usage` naming the flag and what is there.
 */
export function assertOwnOutputDir(
  flag: string,
  dir: string,
  force: boolean,
  kind: { marker: string; field: string; prefix: string; what: string },
): void {
  if (force) return;
  let stats: Stats;
  try {
    stats = statSync(dir);
  } catch {
    return;
  }
  if (!stats.isDirectory()) throw new CliError('usage', `${flag} ${dir} is an existing file, not a directory`);
  if (readdirSync(dir).length === 0) return;
  try {
    const json = JSON.parse(readFileSync(path.join(dir, kind.marker), 'utf8')) as Record<string, unknown>;
    const value = json[kind.field];
    if (typeof value === 'string' && value.startsWith(kind.prefix)) return;
  } catch {
    // no marker: not ours
  }
  throw new CliError(
    'usage',
    `${flag} ${dir} is a directory with other files (not ${kind.what}: no ${kind.marker}); choose an empty or new directory, or add --force to write into it`,
  );
}
