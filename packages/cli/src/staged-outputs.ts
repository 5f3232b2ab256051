/**
 * Nothing half-written is ever left behind: every writing command stages its files under hidden
 * temporary names (`.<name>.tmp-<pid>-…`, the same names the libraries' atomic writers use) and
 * renames them into place only when the whole run succeeded. A failed run removes its
 * temporaries and the directories it created; SIGINT/SIGTERM do the same before exiting 130/143;
 * a run killed outright (SIGKILL, power loss) leaves temporaries that carry its pid, which the
 * next writing run in the same directory removes once that pid is no longer running.
 */
import {
  promises as fs,
  closeSync,
  existsSync,
  openSync,
  readdirSync,
  renameSync,
  rmdirSync,
  rmSync,
  statSync,
  writeFile as writeFileAt,
} from 'node:fs';
import path from 'node:path';
import { tempSuffix } from '@objsel/caffe-import';
import { CliError } from './errors';

/** `.<name>.<kind>-<pid>-<time>-<random>-<n>`: what `tempSuffix()` writers leave aside before a rename. */
const TEMPORARY = /^\.(.+)\.(tmp|old|partial)-(\d+)-[0-9a-z]+-[0-9a-z]+-\d+$/;

/** The parts of a temporary's name, or undefined for any other name. */
export function parseTemporaryName(name: string): { target: string; kind: 'tmp' | 'old' | 'partial'; pid: number } | undefined {
  const m = TEMPORARY.exec(name);
  if (!m) return undefined;
  return { target: m[1]!, kind: m[2] as 'tmp' | 'old' | 'partial', pid: Number(m[3]) };
}

/** True while `pid` names a running process (one of another user counts as running). */
export function isProcessRunning(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes from `dir` (not below it) the temporaries whose writer `shouldGo(pid)` says are gone.
 * An `.old-` directory moved aside by a weights-directory swap that was killed half-way goes back
 * to its name when nothing took that name, instead of being deleted: it is the only copy.
 *
 * @returns the names removed or restored.
 */
function sweep(dir: string, shouldGo: (pid: number) => boolean): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const done: string[] = [];
  for (const name of names) {
    const temp = parseTemporaryName(name);
    if (!temp || temp.pid === 0 || !shouldGo(temp.pid)) continue;
    const file = path.join(dir, name);
    try {
      const target = path.join(dir, temp.target);
      if (temp.kind === 'old' && !existsSync(target)) renameSync(file, target);
      else rmSync(file, { recursive: true, force: true });
      done.push(name);
    } catch {
      // Someone else's file we cannot touch: leave it.
    }
  }
  return done;
}

/** Removes the temporaries of processes that are no longer running from `dir` (not below it). */
export function removeStaleTemporaries(dir: string): string[] {
  return sweep(dir, (pid) => !isProcessRunning(pid));
}

/** Writes `data` at the current position of `fd` (the whole of it). */
function writeToFd(fd: number, data: string | Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => writeFileAt(fd, data, (error) => (error ? reject(error) : resolve())));
}

/** Every staging of this process that has not finished, for the signal handlers. */
const active = new Set<StagedOutputs>();

const EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;

/** Ends the process with `exitCode` after removing what every unfinished staging wrote (signals, a closed stdout). */
export function abandonStagedOutputs(exitCode: number): never {
  for (const staging of active) staging.discardNow();
  process.exit(exitCode);
}
const onSigint = () => abandonStagedOutputs(EXIT_CODES.SIGINT);
const onSigterm = () => abandonStagedOutputs(EXIT_CODES.SIGTERM);

/** False once a long-running process took SIGINT/SIGTERM over ({@link takeOverSignals}). */
let exitOnSignals = true;

/**
 * For a process that finishes its current work on SIGINT/SIGTERM instead of exiting (the queue
 * worker): staging no longer exits on them; the process calls the returned function to remove
 * every unfinished staging when it must stop at once.
 */
export function takeOverSignals(): () => void {
  exitOnSignals = false;
  process.off('SIGINT', onSigint);
  process.off('SIGTERM', onSigterm);
  return () => {
    for (const staging of active) staging.discardNow();
  };
}

function track(staging: StagedOutputs): void {
  if (active.size === 0 && exitOnSignals) {
    process.on('SIGINT', onSigint);
    process.on('SIGTERM', onSigterm);
  }
  active.add(staging);
}

function untrack(staging: StagedOutputs): void {
  active.delete(staging);
  if (active.size === 0) {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigterm);
  }
}

/** A directory this run created, and what to do with it when the run fails. */
interface CreatedDir {
  dir: string;
  /** Remove it with everything in it, unless it holds this file (`checkpoint.json`: a resumable run). */
  discardUnless?: string;
}

/**
 * The outputs of one run, staged under temporary names until {@link StagedOutputs.commit}.
 * Use through {@link withStagedOutputs}.
 */
export class StagedOutputs {
  private readonly staged: Array<{ temp: string; file: string }> = [];
  private readonly created: CreatedDir[] = [];
  private readonly watched = new Set<string>();
  private order: string[] = [];
  private committed = false;

  /** The outputs put in place before the `i`-th failed: the first and last of them. */
  private writtenBefore(i: number): string {
    return i === 1 ? this.order[0]! : `${this.order[0]} … ${this.order[i - 1]}`;
  }

  /**
   * Takes responsibility for the temporaries in `dir`: those of dead processes are removed now,
   * this process's own on failure or SIGINT/SIGTERM (libraries writing there atomically, such as
   * weights directories and checkpoints, name theirs with the same `tempSuffix()`).
   */
  watch(dir: string): void {
    const d = path.resolve(dir);
    if (this.watched.has(d)) return;
    this.watched.add(d);
    removeStaleTemporaries(d);
  }

  /**
   * Makes `dir` (and missing parents), remembering the outermost directory it created so a
   * failed run removes it again: when empty, or whole with `discardUnless` unless that file is
   * in it by then.
   */
  async mkdir(dir: string, options: { discardUnless?: string } = {}): Promise<void> {
    const first = await makeDirs(dir);
    if (first !== undefined) this.created.push({ dir: first, ...options });
    this.watch(dir);
  }

  /**
   * Writes `file` under a temporary name beside it; it takes its own name at {@link commit}.
   * Chunks (`Uint8Array[]`) are written one after another, never joined into one copy.
   */
  async write(file: string, bytes: Uint8Array | string | readonly Uint8Array[]): Promise<void> {
    const dir = path.dirname(path.resolve(file));
    await this.mkdir(dir);
    const temp = path.join(dir, `.${path.basename(file)}.tmp-${tempSuffix()}`);
    this.staged.push({ temp, file });
    // Created on this thread, not in libuv's pool: a signal's cleanup (on this thread too) then
    // either precedes the file or removes it; a pooled open could finish after it and stay.
    const fd = openSync(temp, 'w');
    try {
      for (const chunk of typeof bytes === 'string' || bytes instanceof Uint8Array ? [bytes] : bytes) await writeToFd(fd, chunk);
    } finally {
      closeSync(fd);
    }
  }

  /** A writer of `(relative path, bytes)` under `root`, staged like {@link write}. */
  writer(root: string): (rel: string, bytes: Uint8Array) => Promise<void> {
    return (rel, bytes) => this.write(path.join(root, rel), bytes);
  }

  /** Files staged so far (their final names). */
  get files(): string[] {
    return this.staged.map((s) => s.file);
  }

  /**
   * Renames every staged file into place. Renames within a directory do not fail for reasons of
   * space; should one fail anyway, the error says how many outputs are already in place.
   *
   * @throws CliError `io` naming the file that could not be put in place and those that were.
   */
  async commit(): Promise<void> {
    this.order = this.staged.map((s) => s.file);
    for (const [i, { temp, file }] of this.staged.entries()) {
      try {
        await fs.rename(temp, file);
      } catch (error) {
        const total = this.staged.length;
        this.staged.splice(0, i);
        if (i > 0) this.created.length = 0; // directories now holding outputs stay
        const written = i === 0 ? 'no output was written' : `${i} of ${total} outputs were written before it (${this.writtenBefore(i)})`;
        throw new CliError('io', `cannot write: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}; ${written}`, {
          file,
          cause: error,
        });
      }
    }
    this.staged.length = 0;
    this.committed = true;
    untrack(this);
  }

  /** Removes what this run staged or created; after a successful commit it does nothing. */
  discard(): void {
    if (!this.committed) this.discardNow();
    untrack(this);
  }

  /** Removes what this run staged or created (synchronously: also used from signal handlers). */
  discardNow(): void {
    for (const { temp } of this.staged) rmSync(temp, { force: true });
    this.staged.length = 0;
    for (const dir of this.watched) sweep(dir, (pid) => pid === process.pid);
    for (const c of [...this.created].reverse()) {
      try {
        if (c.discardUnless !== undefined) {
          if (!existsSync(path.join(c.dir, c.discardUnless))) rmSync(c.dir, { recursive: true, force: true });
        } else removeEmptyTree(c.dir);
      } catch {
        // Leave what cannot be removed.
      }
    }
    this.created.length = 0;
  }
}

/**
 * `mkdir -p` one level at a time. Node's recursive mkdir never settles for a path under `/proc`
 * (it retries ENOENT forever); this fails with the first level that cannot be made.
 *
 * @returns the outermost directory created, or undefined when `dir` existed.
 */
async function makeDirs(dir: string): Promise<string | undefined> {
  const missing: string[] = [];
  let d = path.resolve(dir);
  while (!existsSync(d)) {
    missing.push(d);
    const parent = path.dirname(d);
    if (parent === d) break;
    d = parent;
  }
  const outermostFirst = [...missing].reverse();
  for (const m of outermostFirst) {
    try {
      await fs.mkdir(m);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  return outermostFirst[0];
}

/** Removes `dir` if it holds nothing but empty directories. */
function removeEmptyTree(dir: string): void {
  let names: string[];
  try {
    if (!statSync(dir).isDirectory()) return;
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) removeEmptyTree(path.join(dir, name));
  try {
    rmdirSync(dir);
  } catch {
    // Not empty: something besides this run's directories is there.
  }
}

/**
 * Starts staging a run's outputs: its files appear under their names only at
 * {@link StagedOutputs.commit}; {@link StagedOutputs.discard} (or SIGINT/SIGTERM before the
 * commit) removes its temporaries and the directories it created, so nothing it wrote remains.
 * `places` are the run's output paths (files or directories): the temporaries of dead processes
 * there and in their parent directories are removed now, and this run's own ones there (written
 * by libraries) on failure. Prefer {@link withStagedOutputs}; this form suits a command that
 * already has a try/finally around its work.
 */
export function stageOutputs(places: ReadonlyArray<string | undefined>): StagedOutputs {
  const staging = new StagedOutputs();
  track(staging);
  for (const place of places) {
    if (place === undefined || place === '') continue;
    staging.watch(path.dirname(path.resolve(place)));
    if (isDirectory(place)) staging.watch(place);
  }
  return staging;
}

/** Runs `work` with outputs staged by {@link stageOutputs}: committed if it succeeds, discarded if it throws. */
export async function withStagedOutputs<T>(
  places: ReadonlyArray<string | undefined>,
  work: (out: StagedOutputs) => Promise<T>,
): Promise<T> {
  const staging = stageOutputs(places);
  try {
    const result = await work(staging);
    await staging.commit();
    return result;
  } catch (error) {
    staging.discard();
    throw error;
  }
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Writes a run's few output files all or none: each is staged, then all take their names
 * together (entries without a path are skipped). A failure writing any of them (a missing or
 * read-only directory) leaves none behind.
 */
export async function writeOutputs(files: ReadonlyArray<readonly [file: string | undefined, bytes: Uint8Array | string]>): Promise<void> {
  const given = files.filter((f): f is readonly [string, Uint8Array | string] => f[0] !== undefined && f[0] !== '');
  await withStagedOutputs(
    given.map(([file]) => file),
    async (out) => {
      for (const [file, bytes] of given) await out.write(file, bytes);
    },
  );
}
