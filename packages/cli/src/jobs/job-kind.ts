/**
 * What a command's work is once its flags are parsed: settings (JSON, so a queue worker rebuilds
 * the exact call) and a list of items. The command, a `--shard` of it and a queue job all run
 * items through the same {@link JobKind.runItems} and summarise through the same
 * {@link JobKind.summarise}, so the three give the same outputs and the same result.
 */
import type { CliContext } from '../context';
import type { ProgressEvent } from '../progress';
import type { SegmenterPool } from './segmenter-pool';

/** What running items needs from where it runs (a command, a shard, a queue worker). */
export interface JobEnv {
  ctx: CliContext;
  /** Networks by weights: opened per run in a command, kept across jobs in a worker. */
  networks: SegmenterPool;
  /** Progress of these items (`done` counts items of this call). */
  onProgress: (event: ProgressEvent) => void;
}

/** Items run, with their results in item order and what the summary needs to know of the run. */
export interface ItemsOutcome<R> {
  results: R[];
  /** E.g. the backend and the resolved weights directory. */
  meta: Record<string, unknown>;
}

/** One command as a job: settings `S` and items `I` (both JSON), per-item results `R`. */
export interface JobKind<S, I, R> {
  command: string;
  /**
   * The settings and items with every path absolute (resolved against `cwd`): a queued run is
   * read by workers on other machines and in other directories.
   */
  absolutePaths(settings: S, items: readonly I[], cwd: string): { settings: S; items: I[] };
  /** Runs `items` with `settings`, writing each output through staged outputs. */
  runItems(settings: S, items: readonly I[], env: JobEnv): Promise<ItemsOutcome<R>>;
  /** The command's result from every item's result (in item order) and the run's meta. */
  summarise(settings: S, results: readonly R[], meta: Record<string, unknown>): Record<string, unknown> | Promise<Record<string, unknown>>;
  /** The command's human report of a summary. */
  format(summary: Record<string, unknown>): string;
}

/** A job kind with its types erased, for the registry and the queue. */
// biome-ignore lint/suspicious/noExplicitAny: settings, items and results are JSON here
export type AnyJobKind = JobKind<any, any, any>;
