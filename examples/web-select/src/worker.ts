/**
 * The model worker: TF.js, the interactive network, the selection session and adaptation run
 * here, off the page's thread, so the page stays responsive while WebGPU (or wasm) works.
 */
import * as tf from '@tensorflow/tfjs-core';
import { buildInteractiveInput, createSession, refineProbability, type Click, type InteractiveSession, type RgbImage, type SessionOptions } from '@objsel/clicks';
import { crfRefine } from '@objsel/dense-crf';
import type { WeightEntry } from '@objsel/caffe-import';
import { chooseBackend } from './model/backend';
import { adaptToClicks } from './model/adapt';
import { clickMapScale, modelSize, networkInput, resizeMask, scaleClick, type Size } from './model/input';
import { inferenceNetwork, objectProbabilities, segmentFunction, type LogitsNetwork } from './model/predict';
import { loadWeightsFromFiles, loadWeightsFromUrl, type LoadedModel } from './model/weights';
import type { AdaptResult, MaskResult, ModelInfo, RefineMode, WorkerMessage, WorkerMethods, WorkerRequest } from './protocol';

const post = (message: WorkerMessage): void => (self as unknown as Worker).postMessage(message);

let loaded: LoadedModel | undefined;
/** The loaded model with BatchNorm folded in, for clicks (rebuilt whenever the weights change). */
let folded: (LogitsNetwork & { dispose(): void }) | undefined;
let original: WeightEntry[] | undefined;
let image: RgbImage | undefined;
let session: InteractiveSession | undefined;
let refine: RefineMode = 'graphcut';
let lastNetworkMs = 0;

function requireModel(): LoadedModel {
  if (!loaded) throw new Error('no model loaded');
  return loaded;
}

function requireImage(): RgbImage {
  if (!image) throw new Error('no image');
  return image;
}

/** The session's segment function (see segmentFunction), timed. */
async function segment(raw: Float32Array, width: number, height: number): Promise<Float32Array> {
  const t0 = performance.now();
  requireModel();
  const probs = await segmentFunction(folded!)(raw, width, height);
  lastNetworkMs = performance.now() - t0;
  return probs;
}

function sessionOptions(): SessionOptions {
  // The session only thresholds; the worker refines with the current mode (so switching the
  // mode re-refines the last probability without running the network again).
  return { refine: 'none', scale: clickMapScale(requireImage()), truncate: 255 };
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
async function selection(t0: number, networkMs: number): Promise<MaskResult> {
  const img = requireImage();
  const s = session!;
  const clicks = [...s.clicks];
  const r0 = performance.now();
  let mask: Uint8Array;
  if (!s.probability) mask = new Uint8Array(img.width * img.height);
  else if (refine === 'crf') mask = crfMask(s.probability, img);
  else mask = await refineProbability(s.probability, img, clicks, { refine });
  const refineMs = performance.now() - r0;
  return { mask, width: img.width, height: img.height, clicks, refine, timings: { networkMs, refineMs, totalMs: performance.now() - t0 } };
}

/** Folds the current weights into the inference network. */
function refold(): void {
  folded?.dispose();
  folded = inferenceNetwork(requireModel().model);
}

/** A new session on the current image replaying `clicks` (after the model changed). */
async function replay(clicks: readonly Click[]): Promise<MaskResult> {
  const t0 = performance.now();
  refold();
  session = createSession(requireImage(), segment, sessionOptions());
  let networkMs = 0;
  for (const c of clicks) {
    await session.addClick(c);
    networkMs += lastNetworkMs;
  }
  return selection(t0, networkMs);
}

async function restoreOriginal(): Promise<void> {
  const { model } = requireModel();
  if (!original) return;
  tf.tidy(() => {
    for (const e of original!) model.variables.get(e.name)!.assign(tf.tensor(e.data, e.shape));
  });
}

const methods: { [M in keyof WorkerMethods]: (params: WorkerMethods[M][0]) => Promise<WorkerMethods[M][1]> } = {
  async init({ backend }) {
    return chooseBackend(backend);
  },

  async loadWeights(params) {
    const t0 = performance.now();
    post({ event: 'status', message: 'loading the model…' });
    const next = 'url' in params ? await loadWeightsFromUrl(params.url, params.base) : await loadWeightsFromFiles(params.files);
    loaded?.model.dispose();
    loaded = next;
    refold();
    original = await next.model.toWeightEntries();
    const loadMs = performance.now() - t0;
    // Warm up: the first forward compiles the shaders (seconds on a software GPU); do it now,
    // not on the user's first click.
    post({ event: 'status', message: 'preparing the network (first run)…' });
    const w0 = performance.now();
    const probe = modelSize(image ?? { width: 320, height: 240 });
    const zeros = new Float32Array(probe.width * probe.height * 5);
    await objectProbabilities(folded!, zeros, probe, probe);
    const warmupMs = performance.now() - w0;
    const info: ModelInfo = { source: next.source, parameters: next.parameters, bytes: next.bytes, generatedBy: next.generatedBy, training: next.training, loadMs, warmupMs };
    if (image) await replay(session?.clicks ?? []);
    return info;
  },

  async setImage(payload) {
    image = { width: payload.width, height: payload.height, data: payload.data };
    session = createSession(image, segment, sessionOptions());
    return selection(performance.now(), 0);
  },

  async click(click) {
    const t0 = performance.now();
    requireModel();
    if (!session) throw new Error('no image');
    await session.addClick(click);
    return selection(t0, lastNetworkMs);
  },

  async undo() {
    const t0 = performance.now();
    await session!.undo();
    return selection(t0, 0);
  },

  async reset() {
    const t0 = performance.now();
    await session!.reset();
    return selection(t0, 0);
  },

  async setRefine(params) {
    refine = params.refine;
    return selection(performance.now(), 0);
  },

  async adapt({ steps }) {
    const { model } = requireModel();
    const img = requireImage();
    const s = session!;
    if (s.clicks.length === 0) throw new Error('click on the object first: adaptation learns from your clicks');
    const full: Size = img;
    const small = modelSize(full);
    const clicks = [...s.clicks];
    const current = await selection(performance.now(), 0);
    const raw = buildInteractiveInput(img, clicks, { scale: clickMapScale(full), truncate: 255 });
    const stepMs: number[] = [];
    const losses = await adaptToClicks(
      model,
      networkInput(raw, full, small),
      small,
      clicks.map((c) => scaleClick(c, full, small)),
      resizeMask(current.mask, full, small),
      {
        steps,
        onStep: (e) => {
          stepMs.push(e.ms);
          post({ event: 'adapt-progress', ...e });
        },
      },
    );
    const result: AdaptResult = { steps, losses, stepMs, selection: await replay(clicks) };
    return result;
  },

  async restoreModel() {
    await restoreOriginal();
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
