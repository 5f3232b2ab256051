/**
 * The model worker: TF.js, the interactive network, the selection session, refinement, f-BRS
 * and adaptation run here, off the page's thread, so the page stays responsive while WebGPU
 * (or wasm) works. The pipeline is `@objsel/deeplab-resnet/interactive`'s (session, predictor,
 * model size); this file keeps the app's state and answers the page's requests. The network
 * runs on TF.js or, when chosen, on ONNX Runtime Web (engines/onnx-engine.ts; f-BRS and
 * adaptation stay on TF.js, which has the training graph); the classic methods
 * (engines/method-session.ts) need no network at all.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  buildInteractiveInput,
  createSession,
  enforceClicks,
  type Click,
  type InteractiveSession,
  type RgbImage,
  type SegmentFunction,
} from '@objsel/clicks';
import {
  InteractiveSegmenter,
  adaptToClicks,
  clickMapScale,
  networkProbability,
  refineSelection,
  toModelSize,
  type ProbabilityResult,
} from '@objsel/deeplab-resnet/interactive';
import type { WeightEntry } from '@objsel/caffe-import';
import { CLICK_MAP_TRUNCATE, MODEL_LONG_SIDE } from '../../../tools/web-model/domain';
import { createOnnxEngine, onnxNetworkProbability, type OnnxEngine } from './engines/onnx-engine';
import { MethodSession } from './engines/method-session';
import { chooseBackend } from './model/backend';
import { loadWeightsFromFiles, loadWeightsFromUrl, type LoadedModel } from './model/weights';
import type {
  AdaptResult,
  EngineInfo,
  EngineName,
  MaskResult,
  MethodName,
  ModelInfo,
  RefineMode,
  RunInfo,
  WorkerMessage,
  WorkerMethods,
  WorkerRequest,
} from './protocol';

const post = (message: WorkerMessage): void => (self as unknown as Worker).postMessage(message);

/** Names of the classic methods on the page. */
const METHOD_LABELS: Record<Exclude<MethodName, 'network'>, string> = {
  grabcut: 'GrabCut',
  'graphcut-colour': 'graph cut (colour models)',
  'random-walker': 'random walker',
  geodesic: 'geodesic',
};

let loaded: LoadedModel | undefined;
let segmenter: InteractiveSegmenter | undefined;
let original: WeightEntry[] | undefined;
let image: RgbImage | undefined;
/** The network selection on the current image; there is one once both an image and a model are there. */
let session: InteractiveSession | undefined;
/** The classic-method selection, when the method is not the network. */
let methodSession: MethodSession | undefined;
let method: MethodName = 'network';
let engine: EngineName = 'tfjs';
/** The ONNX export of the current weights, when the engine is `onnx`. */
let onnx: OnnxEngine | undefined;
/** The TF.js backend in use (for the engine line). */
let tfBackend = '';
let refine: RefineMode = 'graphcut';
let brs = false;
/** f-BRS at the last network run (for the status line). */
let lastBrs: ProbabilityResult['brs'];
/** What ran for the last click (network engine or classic method). */
let lastRun: RunInfo | undefined;

function requireModel(): InteractiveSegmenter {
  if (!segmenter) throw new Error('no model loaded');
  return segmenter;
}

function requireImage(): RgbImage {
  if (!image) throw new Error('no image');
  return image;
}

/**
 * The network for the session: ONNX Runtime Web when it is the engine, TF.js otherwise and for
 * f-BRS (it optimises on the training graph, which only TF.js has). Records what ran.
 */
const segment: SegmentFunction = async (request) => {
  const t0 = performance.now();
  if (engine === 'onnx' && onnx && !(brs && request.clicks.length > 0)) {
    const probability = await onnxNetworkProbability(onnx, request, MODEL_LONG_SIDE);
    lastBrs = undefined;
    lastRun = { engine: 'onnx', label: onnx.label, method: 'network', ms: performance.now() - t0 };
    return probability;
  }
  const result = await networkProbability(requireModel(), request, { modelLongSide: MODEL_LONG_SIDE, ...(brs ? { brs: {} } : {}) });
  lastBrs = result.brs;
  lastRun = {
    engine: 'tfjs',
    label: `TF.js (${tfBackend})`,
    method: 'network',
    ms: performance.now() - t0,
    ...(engine === 'onnx' ? { note: 'f-BRS runs on TF.js: it needs the training graph' } : {}),
  };
  return result.probability;
};

function newSession(): InteractiveSession | undefined {
  // The session only thresholds; the worker refines with the current mode (so switching the
  // mode re-refines the last probability without running the network again). The network runs
  // at the model size, with f-BRS at the clicks when it is on.
  const img = image;
  if (!img || !segmenter) return undefined;
  return createSession(img, segment, { refine: 'none', scale: clickMapScale(img, MODEL_LONG_SIDE), truncate: CLICK_MAP_TRUNCATE });
}

function newMethodSession(): MethodSession | undefined {
  return image && method !== 'network' ? new MethodSession(image, method) : undefined;
}

/** The selection now: the classic method's mask, or the session's last probability refined with the current mode. */
async function current(t0: number, networkMs: number, ran = false): Promise<MaskResult> {
  const img = requireImage();
  const run = ran ? lastRun : undefined;
  if (methodSession) {
    return {
      mask: methodSession.mask,
      width: img.width,
      height: img.height,
      clicks: [...methodSession.clicks],
      ...(methodSession.box ? { box: methodSession.box } : {}),
      method,
      ...(run ? { run } : {}),
      refine,
      brs: false,
      timings: { networkMs, refineMs: 0, totalMs: performance.now() - t0 },
    };
  }
  const clicks = [...(session?.clicks ?? [])];
  const probability = session?.probability;
  const r0 = performance.now();
  // Click-consistent whatever the refinement: a click never contradicts its own answer.
  const mask = probability
    ? enforceClicks(await refineSelection(probability, img, clicks, { refine }), img.width, img.height, clicks)
    : new Uint8Array(img.width * img.height);
  const refineMs = performance.now() - r0;
  return {
    mask,
    width: img.width,
    height: img.height,
    clicks,
    method,
    ...(run ? { run } : {}),
    refine,
    brs,
    ...(lastBrs && brs ? { brsInfo: lastBrs } : {}),
    timings: { networkMs, refineMs, totalMs: performance.now() - t0 },
  };
}

/** Runs the classic method for one change of its selection; resolves to its milliseconds. */
function runMethod(change: (s: MethodSession) => void): number {
  const s = methodSession;
  if (!s) throw new Error('no image');
  const t0 = performance.now();
  change(s);
  const ms = performance.now() - t0;
  lastRun = { engine: 'classic', label: METHOD_LABELS[s.method], method: s.method, ms };
  return ms;
}

/** Adds a click to the selection; resolves to the milliseconds of its network (or method) run. */
async function addClick(click: Click): Promise<number> {
  if (methodSession) return runMethod((s) => s.addClick(click));
  requireModel();
  if (!session) throw new Error('no image');
  const t0 = performance.now();
  await session.addClick(click);
  return performance.now() - t0;
}

/** A new selection on the current image replaying `clicks` (after the model, engine, method or BRS changed). */
async function replay(clicks: readonly Click[]): Promise<MaskResult> {
  const t0 = performance.now();
  methodSession = newMethodSession();
  session = methodSession ? undefined : newSession();
  let networkMs = 0;
  for (const c of clicks) networkMs += await addClick(c);
  return current(t0, networkMs, clicks.length > 0);
}

/** The clicks of the selection shown. */
function shownClicks(): readonly Click[] {
  return methodSession?.clicks ?? session?.clicks ?? [];
}

function engineInfo(): EngineInfo {
  const crossOriginIsolated = (self as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
  if (engine === 'onnx' && onnx) {
    return {
      name: 'onnx',
      label: onnx.label,
      notes: onnx.notes,
      onnxBytes: onnx.onnxBytes,
      exportMs: onnx.exportMs,
      sessionMs: onnx.sessionMs,
      crossOriginIsolated,
    };
  }
  return { name: 'tfjs', label: `TF.js (${tfBackend})`, notes: [], crossOriginIsolated };
}

/** Re-exports the current weights to ONNX (after loading, adapting or restoring them) when the engine is ONNX. */
async function refreshOnnx(): Promise<void> {
  await onnx?.segmenter.dispose();
  onnx = undefined;
  if (engine === 'onnx' && segmenter) onnx = await createOnnxEngine(segmenter.model);
}

const methods: { [M in keyof WorkerMethods]: (params: WorkerMethods[M][0]) => Promise<WorkerMethods[M][1]> } = {
  async init({ backend }) {
    const chosen = await chooseBackend(backend);
    tfBackend = chosen.name;
    return chosen;
  },

  async loadWeights(params) {
    const t0 = performance.now();
    post({ event: 'status', message: 'loading the model…' });
    const next = 'url' in params ? await loadWeightsFromUrl(params.url, params.base) : await loadWeightsFromFiles(params.files);
    segmenter?.dispose();
    loaded?.model.dispose();
    loaded = next;
    segmenter = InteractiveSegmenter.fromModel(next.model);
    original = await next.model.toWeightEntries();
    const loadMs = performance.now() - t0;
    // Warm up: the first run compiles the shaders (seconds on a software GPU); do it now, not on
    // the user's first click.
    post({ event: 'status', message: 'preparing the network (first run)…' });
    const w0 = performance.now();
    const { width, height } = image ?? { width: 320, height: 240 };
    const blank = new Float32Array(width * height * 5).fill(CLICK_MAP_TRUNCATE);
    await networkProbability(segmenter, { input: blank, width, height, clicks: [] }, { modelLongSide: MODEL_LONG_SIDE });
    const warmupMs = performance.now() - w0;
    const info: ModelInfo = {
      source: next.source,
      parameters: next.parameters,
      bytes: next.bytes,
      generatedBy: next.generatedBy,
      training: next.training,
      loadMs,
      warmupMs,
      ...(next.cache ? { cache: next.cache } : {}),
    };
    await refreshOnnx();
    // The session runs the new network from now on, with the clicks so far.
    if (image) await replay(shownClicks());
    return info;
  },

  async setImage(payload) {
    image = { width: payload.width, height: payload.height, data: payload.data };
    methodSession = newMethodSession();
    session = methodSession ? undefined : newSession();
    return current(performance.now(), 0);
  },

  async click(click) {
    const t0 = performance.now();
    const networkMs = await addClick(click);
    return current(t0, networkMs, true);
  },

  async setBox({ box }) {
    if (!methodSession) throw new Error('a box is for the classic methods (GrabCut, …); the network takes clicks');
    const t0 = performance.now();
    const ms = runMethod((s) => s.setBox(box));
    return current(t0, ms, true);
  },

  async setEngine(params) {
    engine = params.engine;
    if (engine === 'onnx') {
      requireModel();
      post({ event: 'status', message: 'exporting the network to ONNX and starting ONNX Runtime Web…' });
    }
    await refreshOnnx();
    const selection = image ? await replay(shownClicks()) : undefined;
    return { engine: engineInfo(), ...(selection ? { selection } : {}) };
  },

  async setMethod(params) {
    if (params.method === 'network') requireModel();
    method = params.method;
    // The clicks so far carry over to the new method.
    return replay(shownClicks());
  },

  async undo() {
    const t0 = performance.now();
    if (methodSession) methodSession.undo();
    else await session?.undo();
    return current(t0, 0);
  },

  async reset() {
    const t0 = performance.now();
    if (methodSession) methodSession.reset();
    else await session?.reset();
    return current(t0, 0);
  },

  async setRefine(params) {
    refine = params.refine;
    return current(performance.now(), 0);
  },

  async setBrs(params) {
    brs = params.enabled;
    return replay(shownClicks());
  },

  async adapt({ steps }) {
    if (methodSession) throw new Error('adaptation trains the network: choose the network method first');
    const seg = requireModel();
    const img = requireImage();
    const clicks = [...(session?.clicks ?? [])];
    if (clicks.length === 0) throw new Error('click on the object first: adaptation learns from your clicks');
    const input = buildInteractiveInput(img, clicks, { scale: clickMapScale(img, MODEL_LONG_SIDE), truncate: CLICK_MAP_TRUNCATE });
    const sample = toModelSize({ input, width: img.width, height: img.height, clicks }, MODEL_LONG_SIDE);
    const stepMs: number[] = [];
    let mark = performance.now();
    const result = await adaptToClicks(seg.model, [sample], {
      steps,
      onProgress: (e) => {
        const now = performance.now();
        stepMs.push(now - mark);
        mark = now;
        post({ event: 'adapt-progress', step: e.done, steps: e.total ?? steps, loss: e.metrics?.loss ?? NaN, ms: stepMs.at(-1)! });
      },
    });
    seg.refresh();
    // Adaptation trained on TF.js; the ONNX engine runs an export of the adapted weights.
    await refreshOnnx();
    const adapted: AdaptResult = { steps: result.steps, losses: result.losses, stepMs, selection: await replay(clicks) };
    return adapted;
  },

  async restoreModel() {
    const seg = requireModel();
    if (original) {
      tf.tidy(() => {
        for (const e of original!) seg.model.variables.get(e.name)!.assign(tf.tensor(e.data, e.shape));
      });
    }
    seg.refresh();
    await refreshOnnx();
    return replay(shownClicks());
  },
};

// One request at a time, in order: clicks, undo and adaptation never interleave.
let queue: Promise<void> = Promise.resolve();
self.onmessage = (e: MessageEvent<WorkerRequest>) => {
  const { id, method, params } = e.data;
  queue = queue.then(async () => {
    try {
      const handler = methods[method] as (p: unknown) => Promise<unknown>;
      post({ id, result: await handler(params) });
    } catch (error) {
      post({ id, error: (error as Error).message ?? String(error) });
    }
  });
};
