/**
 * The worker thread of `objsel serve`'s network (built as dist/serve-network-worker.js): it loads
 * the interactive model as the CLI does and answers forwards (and f-BRS) sent by
 * {@link WorkerModel}. A forward on wasm or the CPU backend blocks its thread for seconds; here it
 * blocks this thread only, so the server's thread keeps answering, sees a stop signal at once and
 * can end a forward that would run past the shutdown deadline by terminating this thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Click } from '@objsel/clicks';
import type { BrsOptions, BrsResult, InteractiveProbabilityModel } from '@objsel/deeplab-resnet/interactive';
import { CliContext, type GlobalOptions } from '../context';
import { formatError, isUserError } from '../errors';
import { openInteractiveModel } from '../models';

/** What the server's thread sends. */
export type NetworkRequest =
  | { id: number; type: 'segment'; raw: Float32Array; width: number; height: number }
  | { id: number; type: 'brs'; raw: Float32Array; width: number; height: number; clicks: Click[]; options?: BrsOptions }
  | { id: number; type: 'dispose' };

/** What this thread answers: once `ready` or `failed`, then one message per request id. */
export type NetworkReply =
  | { type: 'ready'; backend: string }
  | { type: 'failed'; message: string; user: boolean }
  | { id: number; probability: Float32Array; brs?: Omit<BrsResult, 'probability'> }
  | { id: number; error: string }
  | { id: number; disposed: true };

async function serveNetwork(): Promise<void> {
  const port = parentPort!;
  const { weights, options } = workerData as { weights: string; options: GlobalOptions };
  const ctx = new CliContext({ ...options, json: false, quiet: true }, { stdout: { write: () => true }, stderr: process.stderr });
  let model: InteractiveProbabilityModel;
  try {
    const opened = await openInteractiveModel(ctx, weights);
    model = opened.model;
    port.postMessage({ type: 'ready', backend: opened.backend } satisfies NetworkReply);
  } catch (error) {
    port.postMessage({ type: 'failed', message: formatError(error), user: isUserError(error) } satisfies NetworkReply);
    return;
  }
  // One request at a time, in order (the selector queues them anyway).
  let chain = Promise.resolve();
  port.on('message', (request: NetworkRequest) => {
    chain = chain.then(async () => {
      try {
        if (request.type === 'dispose') {
          await model.dispose();
          port.postMessage({ id: request.id, disposed: true } satisfies NetworkReply);
          port.close();
          return;
        }
        if (request.type === 'segment') {
          const probability = Float32Array.from(await model.segment(request.raw, request.width, request.height));
          port.postMessage({ id: request.id, probability } satisfies NetworkReply, [probability.buffer]);
          return;
        }
        if (!model.segmentWithBrs) throw new Error('f-BRS optimises the TF.js network: this model runs the plain forward only');
        const r = await model.segmentWithBrs(request.raw, request.width, request.height, request.clicks, request.options);
        const probability = Float32Array.from(r.probability);
        const { probability: _, ...rest } = r;
        const brs = { ...rest, initial: Float32Array.from(r.initial), scale: Float32Array.from(r.scale), bias: Float32Array.from(r.bias) };
        port.postMessage({ id: request.id, probability, brs } satisfies NetworkReply, [
          probability.buffer,
          brs.initial.buffer,
          brs.scale.buffer,
          brs.bias.buffer,
        ]);
      } catch (error) {
        port.postMessage({ id: request.id, error: formatError(error) } satisfies NetworkReply);
      }
    });
  });
}

void serveNetwork();
