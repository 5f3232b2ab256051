/**
 * The model worker: TF.js, the interactive network, the selection session, refinement, f-BRS
 * and adaptation run here, off the page's thread, so the page stays responsive while WebGPU
 * (or wasm) works.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  buildInteractiveInput,
  createSession,
  refineProbability,
  type Click,
  type InteractiveSession,
  type RgbImage,
} from '@objsel/clicks';
import { crfRefine } from '@objsel/dense-crf';
import { adaptToClicks } from '@objsel/deeplab-resnet';
import type { WeightEntry } from '@objsel/caffe-import';
import { chooseBackend } from './model/backend';
import { CLICK_MAP_TRUNCATE } from './model/domain';
import { clickMapScale, modelSize, scaleClick, shrinkInput, type Size } from './model/input';
import { SelectionModel } from './model/predict';
import { loadWeightsFromFiles, loadWeightsFromUrl, type LoadedModel } from './model/weights';
import type { AdaptResult, MaskResult, ModelInfo, RefineMode, WorkerMessage, WorkerMethods, WorkerRequest } from './protocol';

const post = (message: WorkerMessage): void => (self as unknown as Worker).postMessage(message);

let loaded: LoadedModel | undefined;
let selection: SelectionModel | undefined;
let original: WeightEntry[] | undefined;
let image: RgbImage | undefined;
let session: InteractiveSession | undefined;
let refine: RefineMode = 'graphcut';
let brs = false;
/** The clicks the session is segmenting for right now (it adds a click only once the mask is ready). */
let segmentingClicks: readonly Click[] = [];
let last: { networkMs: number; brs?: { steps: number; satisfied: boolean } } = { networkMs: 0 };

function requireModel(): SelectionModel {
  if (!selection) throw new Error('no model loaded');
  return selection;
}

function requireImage(): RgbImage {
  if (!image) throw new Error('no image');
  return image;
}

/** The session's segment function: the network (with f-BRS when on) at model size, timed. */
async function segment(raw: Float32Array, width: number, height: number): Promise<Float32Array> {
  const t0 = performance.now();
  const r = await requireModel().probability(raw, { width, height }, brs ? { clicks: segmentingClicks } : undefined);
  last = { networkMs: performance.now() - t0, ...(r.brs ? { brs: r.brs } : {}) };
  return r.probability;
}

function newSession(): InteractiveSession {
  // The session only thresholds; the worker refines with the current mode (so switching the
  // mode re-refines the last probability without running the network again).
  return createSession(requireImage(), segment, { refine: 'none', scale: clickMapScale(requireImage()), truncate: CLICK_MAP_TRUNCATE });
}

/** CRF refinement: two labels (background, object), DeepLab-v2's parameters. */
function crfMask(probability: Float32Array, img: RgbImage): Uint8Array {
  const probs = new Float32Array(probability.length * 2);
  for (let i = 0; i < probability.length; i++) {
    probs[2 * i] = 1 - probability[i]!;
    probs[2 * i + 1] = probability[i]!;
  }
  return crfRefine({ probs, image: img.data, width: img.width, height: img.height, numLabels: 2 }).labels;
}

/** The selection now: the session's last probability, refined with the current mode. */
async function current(t0: number, networkMs: number): Promise<MaskResult> {
  const img = requireImage();
  const s = session!;
  const clicks = [...s.clicks];
  const r0 = performance.now();
  let mask: Uint8Array;
  if (!s.probability) mask = new Uint8Array(img.width * img.height);
  else if (refine === 'crf') mask = crfMask(s.probability, img);
  else mask = await refineProbability(s.probability, img, clicks, { refine });
  const refineMs = performance.now() - r0;
  return {
    mask,
    width: img.width,
    height: img.height,
    clicks,
    refine,
    brs,
    ...(last.brs && brs ? { brsInfo: last.brs } : {}),
    timings: { networkMs, refineMs, totalMs: performance.now() - t0 },
  };
}

async function addClick(click: Click): Promise<number> {
  segmentingClicks = [...session!.clicks, click];
  await session!.addClick(click);
  return last.networkMs;
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
    selection?.dispose();
    loaded?.model.dispose();
    loaded = next;
    selection = new SelectionModel(next.model);
    original = await next.model.toWeightEntries();
    const loadMs = performance.now() - t0;
    // Warm up: the first run compiles the shaders (seconds on a software GPU); do it now, not on
    // the user's first click.
    post({ event: 'status', message: 'preparing the network (first run)…' });
    const w0 = performance.now();
    const full = image ?? { width: 320, height: 240 };
    await selection.probability(new Float32Array(full.width * full.height * 5).fill(CLICK_MAP_TRUNCATE), full);
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
    if (image && session && session.clicks.length > 0) await replay(session.clicks);
    return info;
  },

  async setImage(payload) {
    image = { width: payload.width, height: payload.height, data: payload.data };
    session = newSession();
    return current(performance.now(), 0);
  },

  async click(click) {
    const t0 = performance.now();
    requireModel();
    if (!session) throw new Error('no image');
    const networkMs = await addClick(click);
    return current(t0, networkMs);
  },

  async undo() {
    const t0 = performance.now();
    await session!.undo();
    return current(t0, 0);
  },

  async reset() {
    const t0 = performance.now();
    await session!.reset();
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
    const sel = requireModel();
    const img = requireImage();
    const clicks = [...(session?.clicks ?? [])];
    if (clicks.length === 0) throw new Error('click on the object first: adaptation learns from your clicks');
    const full: Size = img;
    const small = modelSize(full);
    const raw = shrinkInput(buildInteractiveInput(img, clicks, { scale: clickMapScale(full), truncate: CLICK_MAP_TRUNCATE }), full, small);
    const stepMs: number[] = [];
    let mark = performance.now();
    const result = await adaptToClicks(
      sel.model,
      [{ input: raw, width: small.width, height: small.height, clicks: clicks.map((c) => scaleClick(c, full, small)) }],
      {
        steps,
        onProgress: (e) => {
          const now = performance.now();
          stepMs.push(now - mark);
          mark = now;
          post({ event: 'adapt-progress', step: e.done, steps: e.total ?? steps, loss: e.metrics?.loss ?? NaN, ms: stepMs.at(-1)! });
        },
      },
    );
    sel.refresh();
    const adapted: AdaptResult = { steps: result.steps, losses: result.losses, stepMs, selection: await replay(clicks) };
    return adapted;
  },

  async restoreModel() {
    const sel = requireModel();
    if (original) {
      tf.tidy(() => {
        for (const e of original!) sel.model.variables.get(e.name)!.assign(tf.tensor(e.data, e.shape));
      });
    }
    sel.refresh();
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
