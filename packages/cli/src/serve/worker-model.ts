/**
 * The interactive network in a worker thread (network-worker.ts), as an
 * {@link InteractiveProbabilityModel}: the server's thread stays free while a forward runs, and
 * {@link WorkerModel.terminate} ends a forward that would outlast the shutdown deadline.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Click } from '@objsel/clicks';
import type { BrsOptions, BrsResult, InteractiveProbabilityModel } from '@objsel/deeplab-resnet/interactive';
import type { GlobalOptions } from '../context';
import { CliError } from '../errors';
import { HttpError } from './http-json';
import type { NetworkReply, NetworkRequest } from './network-worker';

/** The built worker next to the built CLI's chunks; undefined when running from the sources (tests), where the network runs in-process. */
export function networkWorkerFile(moduleUrl: string): string | undefined {
  const file = fileURLToPath(new URL('./serve-network-worker.js', moduleUrl));
  return existsSync(file) ? file : undefined;
}

/** A request before it gets its id (Omit distributed over the union). */
type Unsent<T> = T extends unknown ? Omit<T, 'id'> : never;

type Pending = { resolve: (reply: NetworkReply) => void; reject: (error: Error) => void };

export class WorkerModel implements InteractiveProbabilityModel {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private ended: Error | undefined;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (reply: NetworkReply) => {
      if (!('id' in reply)) return;
      const waiting = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      waiting?.resolve(reply);
    });
    const end = (error: Error) => {
      this.ended ??= error;
      for (const waiting of this.pending.values()) waiting.reject(this.ended);
      this.pending.clear();
    };
    worker.on('error', (error) => end(error));
    worker.on('exit', () => end(new HttpError(503, 'the network stopped (the server is stopping): send the request again')));
  }

  /** Starts the worker and loads the model in it (errors as the CLI reports them). */
  static async open(file: string, weights: string, options: GlobalOptions): Promise<{ model: WorkerModel; backend: string }> {
    const worker = new Worker(file, { workerData: { weights, options } });
    const first = await new Promise<NetworkReply>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new CliError('failed', `the network thread exited with ${code} while loading ${weights}`)));
    });
    if ('type' in first && first.type === 'ready') return { model: new WorkerModel(worker), backend: first.backend };
    await worker.terminate();
    const failed = first as Extract<NetworkReply, { type: 'failed' }>;
    throw new CliError(failed.user ? 'usage' : 'failed', failed.message);
  }

  private call(request: Unsent<NetworkRequest>, transfer: ArrayBuffer[] = []): Promise<NetworkReply> {
    if (this.ended) return Promise.reject(this.ended);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...request, id }, transfer);
    });
  }

  private static probability(reply: NetworkReply): Extract<NetworkReply, { probability: Float32Array }> {
    if ('error' in reply) throw new Error(reply.error);
    return reply as Extract<NetworkReply, { probability: Float32Array }>;
  }

  async segment(raw: ArrayLike<number>, width: number, height: number): Promise<Float32Array> {
    const input = Float32Array.from(raw);
    return WorkerModel.probability(await this.call({ type: 'segment', raw: input, width, height }, [input.buffer])).probability;
  }

  async segmentWithBrs(
    raw: ArrayLike<number>,
    width: number,
    height: number,
    clicks: readonly Click[],
    options?: BrsOptions,
  ): Promise<BrsResult> {
    const input = Float32Array.from(raw);
    const reply = WorkerModel.probability(
      await this.call({ type: 'brs', raw: input, width, height, clicks: [...clicks], ...(options ? { options } : {}) }, [input.buffer]),
    );
    return { ...reply.brs!, probability: reply.probability };
  }

  /** Ends the thread now, forward or not; what waits on it is refused with 503. */
  async terminate(): Promise<void> {
    if (!this.ended) await this.worker.terminate();
  }

  /** Frees the model in the thread and ends it. */
  async dispose(): Promise<void> {
    if (this.ended) return;
    await this.call({ type: 'dispose' }).catch(() => undefined);
    await this.worker.terminate();
  }
}
