/**
 * The model worker: TF.js, the interactive network, the selection session, refinement, f-BRS
 * and adaptation run here, off the page's thread, so the page stays responsive while WebGPU
 * (or wasm) works. The pipeline is `@objsel/deeplab-resnet/interactive`'s (session, predictor,
 * model size); this file keeps the app's state and answers the page's requests.
 */
import * as tf from '@tensorflow/tfjs-core';
import { buildInteractiveInput, type Click, type InteractiveSession, type RgbImage } from '@objsel/clicks';
import {
  InteractiveSegmenter,
  adaptToClicks,
  clickMapScale,
  createInteractiveSession,
  networkProbability,
  refineSelection,
  toModelSize,
  type ProbabilityResult,
} from '@objsel/deeplab-resnet/interactive';
import type { WeightEntry } from '@objsel/caffe-import';
import { CLICK_MAP_TRUNCATE, MODEL_LONG_SIDE } from '../../../tools/web-model/domain';
import { chooseBackend } from './model/backend';
import { loadWeightsFromFiles, loadWeightsFromUrl, type LoadedModel } from './model/weights';
import type { AdaptResult, MaskResult, ModelInfo, RefineMode, WorkerMessage, WorkerMethods, WorkerRequest } from './protocol';

const post = (message: WorkerMessage): void => (self as unknown as Worker).postMessage(message);

let loaded: LoadedModel | undefined;
let segmenter: InteractiveSegmenter | undefined;
let original: WeightEntry[] | undefined;
let image: RgbImage | undefined;
/** The selection on the current image; there is one once both an image and a model are there. */
let session: InteractiveSession | undefined;
let refine: RefineMode = 'graphcut';
let brs = false;
/** f-BRS at the last network run (for the status line). */
let lastBrs: ProbabilityResult['brs'];

function requireModel(): InteractiveSegmenter {
  if (!segmenter) throw new Error('no model loaded');
  return segmenter;
}

function requireImage(): RgbImage {
  if (!image) throw new Error('no image');
  return image;
}

function newSession(): InteractiveSession | undefined {
  // The session only thresholds; the worker refines with the current mode (so switching the
  // mode re-refines the last probability without running the network again). The network runs
  // at the model size, with f-BRS at the clicks when it is on.
  const img = image;
  if (!img || !segmenter) return undefined;
  return createInteractiveSession(segmenter, img, {
    refine: 'none',
    clickScale: clickMapScale(img, MODEL_LONG_SIDE),
    clickTruncate: CLICK_MAP_TRUNCATE,
    modelLongSide: MODEL_LONG_SIDE,
    ...(brs ? { brs: {} } : {}),
    onProbability: (result) => {
      lastBrs = result.brs;
    },
  });
}

/** The selection now: the session's last probability, refined with the current mode. */
async function current(t0: number, networkMs: number): Promise<MaskResult> {
  const img = requireImage();
  const clicks = [...(session?.clicks ?? [])];
  const probability = session?.probability;
  const r0 = performance.now();
  const mask = probability ? await refineSelection(probability, img, clicks, { refine }) : new Uint8Array(img.width * img.height);
  const refineMs = performance.now() - r0;
  return {
    mask,
    width: img.width,
    height: img.height,
    clicks,
    refine,
    brs,
    ...(lastBrs && brs ? { brsInfo: lastBrs } : {}),
    timings: { networkMs, refineMs, totalMs: performance.now() - t0 },
  };
}

/** Adds a click to the session; resolves to the milliseconds of its network run (input encoding, forward, read-back). */
async function addClick(click: Click): Promise<number> {
  requireModel();
  if (!session) throw new Error('no image');
  const t0 = performance.now();
  await session.addClick(click);
  return performance.now() - t0;
}

/** A new session on the current image replaying `clicks` (after the model or BRS changed). */
async function replay(clicks: readonly Click[]): Promise<MaskResult> {
  const t0 = performance.now();
  session = newSession();
  let networkMs = 0;
  for (const c of clicks) networkMs += await addClick(c);
  return current(t0, networkMs);
}

const methods: { [M in keyof WorkerMethods]: (params: WorkerMethods[M][0]) => Promise<WorkerMethods[M][1]> } = {
  async init({ backend }) {
    return chooseBackend(backend);
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
    };
    // The session runs the new network from now on, with the clicks so far.
    if (image) await replay(session?.clicks ?? []);
    return info;
  },

  async setImage(payload) {
    image = { width: payload.width, height: payload.height, data: payload.data };
    session = newSession();
    return current(performance.now(), 0);
  },

  async click(click) {
    const t0 = performance.now();
    const networkMs = await addClick(click);
    return current(t0, networkMs);
  },

  async undo() {
    const t0 = performance.now();
    await session?.undo();
    return current(t0, 0);
  },

  async reset() {
    const t0 = performance.now();
    await session?.reset();
    return current(t0, 0);
  },

  async setRefine(params) {
    refine = params.refine;
    return current(performance.now(), 0);
  },

  async setBrs(params) {
    brs = params.enabled;
    return replay(session?.clicks ?? []);
  },

  async adapt({ steps }) {
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
    return replay(session?.clicks ?? []);
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
