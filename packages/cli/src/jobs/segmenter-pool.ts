/**
 * Opened networks keyed by what they are (the weights' content hash, the BatchNorm epsilon and
 * the backend): a command opens one per run, a queue worker keeps them across jobs so a job of
 * a run does not reload the network the previous job loaded.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { CliContext } from '../context';
import { openSemanticSegmenter, type SemanticSegmenter } from '../models';

type Opened = Awaited<ReturnType<typeof openSemanticSegmenter>>;

/** A hash of the weights' content: model.json of a weights directory, else the file's size and time. */
export function weightsHash(weights: string): string {
  const hash = createHash('sha256');
  try {
    const manifest = path.join(weights, 'model.json');
    hash.update(readFileSync(manifest));
  } catch {
    try {
      const st = statSync(weights);
      hash.update(`${path.resolve(weights)}\0${st.size}\0${st.mtimeMs}`);
    } catch {
      hash.update(path.resolve(weights));
    }
  }
  return hash.digest('hex').slice(0, 16);
}

export class SegmenterPool {
  private readonly open = new Map<string, Promise<Opened>>();

  /** The semantic network of `weights`, opened once per content and options. */
  semantic(ctx: CliContext, weights: string, options: { bnEpsilon?: number } = {}): Promise<Opened> {
    const key = `${weightsHash(weights)}|${options.bnEpsilon ?? ''}|${ctx.options.backend}`;
    let opened = this.open.get(key);
    if (!opened) {
      opened = openSemanticSegmenter(ctx, weights, options);
      this.open.set(key, opened);
      opened.catch(() => this.open.delete(key));
    }
    return opened;
  }

  /** Networks open now. */
  get size(): number {
    return this.open.size;
  }

  /** Frees every network. */
  async dispose(): Promise<void> {
    const all = [...this.open.values()];
    this.open.clear();
    for (const p of all) {
      try {
        const segmenter: SemanticSegmenter = (await p).segmenter;
        await segmenter.dispose();
      } catch {
        // It never opened: nothing to free.
      }
    }
  }
}
