import { executeOps, type PlanOp } from './plan';

/*
 * Worker threads for the WebAssembly engine (Node only; elsewhere `threadPool()` returns null and
 * everything runs on the calling thread). Workers share the engine's WebAssembly memory, run
 * their slice of every iteration and meet the calling thread at two barriers per iteration
 * (after the messages, after the normalisation). Everything is synchronous for the caller:
 * it blocks in Atomics.wait, which Node allows on the main thread.
 */

/** Control words in the shared Int32Array. */
const GO = 0; // iteration sequence number; workers run one iteration when it increases
const BARRIER_A = 1;
const BARRIER_B = 2;
const ACK = 3; // id of the last plan a worker installed (one word per worker from here)
const ERROR = 15;
const CONTROL_WORDS = 16;

/** What a worker needs to run an engine's iterations. */
export interface WorkerPlan {
  id: number;
  memory: WebAssembly.Memory;
  modules: Record<number, WebAssembly.Module>;
  /** Per worker: ops before barrier A (messages) and before barrier B (normalisation). */
  phaseA: PlanOp[];
  phaseB: PlanOp[];
}

interface NodeWorker {
  /** −1 once the thread has stopped (readable while this thread is blocked). */
  readonly threadId: number;
  postMessage(value: unknown): void;
  unref(): void;
  terminate(): Promise<number>;
  on(event: string, listener: (...args: unknown[]) => void): void;
}

interface WorkerThreadsModule {
  Worker: new (code: string, options: { eval: true; workerData: unknown }) => NodeWorker;
}

function workerThreads(): WorkerThreadsModule | null {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown; versions?: { node?: string } } }).process;
  if (!proc?.versions?.node || typeof proc.getBuiltinModule !== 'function') return null;
  if (typeof SharedArrayBuffer === 'undefined' || typeof Atomics === 'undefined') return null;
  return (proc.getBuiltinModule('node:worker_threads') as WorkerThreadsModule | undefined) ?? null;
}

/** The worker's program (CommonJS, evaluated by `new Worker(code, { eval: true })`). */
function workerSource(): string {
  return `
const { parentPort, workerData } = require('node:worker_threads');
const executeOps = ${executeOps.toString()};
const ctrl = new Int32Array(workerData.control);
const index = workerData.index;
const parties = workerData.parties;
let plan = null;
let kernels = null;
let seen = 0;
function barrier(word, seq) {
  const target = parties * seq;
  const arrived = Atomics.add(ctrl, word, 1) + 1;
  if (arrived >= target) { Atomics.notify(ctrl, word); return; }
  for (;;) { const v = Atomics.load(ctrl, word); if (v >= target || Atomics.load(ctrl, ${ERROR}) !== 0) return; Atomics.wait(ctrl, word, v, 100); }
}
function fail(error) { Atomics.store(ctrl, ${ERROR}, 1); for (let w = 0; w < ${CONTROL_WORDS}; w++) Atomics.notify(ctrl, w); parentPort.postMessage({ error: String(error && error.stack || error) }); }
function loop() {
  const current = Atomics.load(ctrl, ${GO});
  if (current !== seen) {
    try {
      for (let seq = seen + 1; seq <= current; seq++) {
        executeOps(plan.phaseA, kernels, plan.memory.buffer);
        barrier(${BARRIER_A}, seq);
        executeOps(plan.phaseB, kernels, plan.memory.buffer);
        barrier(${BARRIER_B}, seq);
      }
    } catch (error) { fail(error); return; }
    seen = current;
  }
  const waiting = Atomics.waitAsync(ctrl, ${GO}, seen);
  if (waiting.async) waiting.value.then(loop); else setImmediate(loop);
}
parentPort.on('message', (message) => {
  try {
    plan = message;
    kernels = {};
    for (const d of Object.keys(plan.modules)) kernels[d] = new WebAssembly.Instance(plan.modules[d], { env: { memory: plan.memory } }).exports;
    seen = Atomics.load(ctrl, ${GO});
    Atomics.store(ctrl, ${ACK} + index, plan.id);
    Atomics.notify(ctrl, ${ACK} + index);
  } catch (error) { fail(error); }
});
loop();
`;
}

/**
 * Helper threads shared by all engines of the process. `run` executes one engine's iterations
 * with the calling thread as party 0 and the workers as parties 1..size-1.
 */
export class ThreadPool {
  private readonly control = new Int32Array(new SharedArrayBuffer(CONTROL_WORDS * 4));
  private readonly workers: NodeWorker[] = [];
  private installed = -1;
  private seq = 0;
  private failure: string | null = null;

  constructor(
    wt: WorkerThreadsModule,
    /** Number of parties including the calling thread. */
    readonly size: number,
  ) {
    for (let index = 1; index < size; index++) {
      const worker = new wt.Worker(workerSource(), { eval: true, workerData: { control: this.control.buffer, index, parties: size } });
      worker.on('message', (m) => {
        const error = (m as { error?: string }).error;
        if (error) this.failure = error;
      });
      worker.on('error', (e) => {
        this.failure = String(e);
        Atomics.store(this.control, ERROR, 1);
      });
      worker.unref();
      this.workers.push(worker);
    }
  }

  /** Stops the workers. */
  close(): void {
    for (const w of this.workers) void w.terminate();
    this.workers.length = 0;
  }

  private check(): void {
    if (Atomics.load(this.control, ERROR) !== 0 || this.failure)
      throw new Error(`dense-crf worker failed: ${this.failure ?? 'see its error output'}`);
    // A thread that died without reporting (e.g. killed) would otherwise be waited for forever.
    if (this.workers.some((w) => w.threadId === -1)) {
      Atomics.store(this.control, ERROR, 1);
      throw new Error('dense-crf worker thread stopped');
    }
  }

  private waitFor(word: number, atLeast: number): void {
    for (;;) {
      const v = Atomics.load(this.control, word);
      if (v >= atLeast) return;
      this.check();
      Atomics.wait(this.control, word, v, 100);
    }
  }

  /** Sends `plans[w-1]` to worker w unless it already runs plan `id`. */
  install(plans: WorkerPlan[]): void {
    const id = plans[0]!.id;
    if (this.installed === id) return;
    this.workers.forEach((w, i) => {
      w.postMessage(plans[i]);
    });
    this.workers.forEach((_, i) => {
      this.waitFor(ACK + 1 + i, id);
    });
    this.installed = id;
  }

  /**
   * One iteration: wakes the workers, runs `phaseA`, meets them, runs `phaseB`, meets them.
   * The caller's ops run on `kernels`/`buffer` like the workers' do.
   */
  iterate(run: (phase: 'A' | 'B') => void): void {
    this.check();
    const seq = ++this.seq;
    Atomics.store(this.control, GO, seq);
    Atomics.notify(this.control, GO);
    run('A');
    this.barrier(BARRIER_A, seq);
    run('B');
    this.barrier(BARRIER_B, seq);
  }

  private barrier(word: number, seq: number): void {
    const target = this.size * seq;
    const arrived = Atomics.add(this.control, word, 1) + 1;
    if (arrived >= target) {
      Atomics.notify(this.control, word);
      return;
    }
    this.waitFor(word, target);
  }
}

let pool: ThreadPool | null | undefined;
let nextPlanId = 1;

/** A fresh id for a plan (plans are re-sent when another engine ran in between). */
export function newPlanId(): number {
  return nextPlanId++;
}

/** Whether helper threads are available (Node with worker_threads and SharedArrayBuffer). */
export function threadsSupported(): boolean {
  return workerThreads() !== null;
}

/** The process-wide pool with `size` parties (created on first use), or null where threads are unavailable. */
export function threadPool(size: number): ThreadPool | null {
  if (size < 2) return null;
  if (pool && pool.size === size) return pool;
  const wt = workerThreads();
  if (!wt) return null;
  pool?.close();
  pool = new ThreadPool(wt, size);
  return pool;
}
