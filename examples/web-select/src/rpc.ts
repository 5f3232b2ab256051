/** The page's side of the worker protocol: typed calls that resolve with the worker's reply. */
import type { WorkerMessage, WorkerMethods, WorkerRequest } from './protocol';

/** Events the worker posts without being asked. */
export type WorkerEvent = Extract<WorkerMessage, { event: string }>;

/** A typed client for the model worker. */
export class ModelWorker {
  private next = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  constructor(
    private readonly worker: Worker,
    onEvent: (e: WorkerEvent) => void,
  ) {
    worker.onmessage = (e: MessageEvent<WorkerMessage>) => {
      const m = e.data;
      if ('event' in m) return onEvent(m);
      const waiting = this.pending.get(m.id);
      if (!waiting) return;
      this.pending.delete(m.id);
      if ('error' in m) waiting.reject(new Error(m.error));
      else waiting.resolve(m.result);
    };
  }

  /** Calls a worker method; requests run in order. */
  call<M extends keyof WorkerMethods>(method: M, params: WorkerMethods[M][0], transfer: Transferable[] = []): Promise<WorkerMethods[M][1]> {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ id, method, params } as WorkerRequest, transfer);
    });
  }
}
