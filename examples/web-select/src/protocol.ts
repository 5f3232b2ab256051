/**
 * Messages between the page and the model worker. The page sends requests `{ id, method, params }`
 * and gets `{ id, result }` or `{ id, error }`; the worker also posts progress events.
 */
import type { Click } from '@objsel/clicks';
import type { AppBackend, ChosenBackend } from './model/backend';

/** How the mask is made from the network's probability. */
export type RefineMode = 'none' | 'graphcut' | 'crf';

/** An RGB image as the page hands it over. */
export interface ImagePayload {
  width: number;
  height: number;
  /** RGB, HWC, width * height * 3 bytes. */
  data: Uint8Array | Uint8ClampedArray;
}

/** The selection after an operation. */
export interface MaskResult {
  /** 1 = object, width * height of the image. */
  mask: Uint8Array;
  width: number;
  height: number;
  clicks: Click[];
  /** Milliseconds: network (input encoding + forward + read-back), refinement, whole operation. */
  timings: { networkMs: number; refineMs: number; totalMs: number };
  refine: RefineMode;
  /** Whether f-BRS was on. */
  brs: boolean;
  /** f-BRS at the last click: optimisation steps and whether every click ended on its side. */
  brsInfo?: { steps: number; satisfied: boolean };
}

/** What the model worker reports after loading weights. */
export interface ModelInfo {
  source: string;
  parameters: number;
  bytes: number;
  generatedBy: string;
  training?: unknown;
  /** Size the network runs at for the current image, once an image is set. */
  loadMs: number;
  /** First forward pass (shader compilation on WebGPU). */
  warmupMs: number;
}

/** Result of an adaptation. */
export interface AdaptResult {
  steps: number;
  losses: number[];
  /** Milliseconds per update (training graph: forward, gradients, Adam). */
  stepMs: number[];
  selection: MaskResult;
}

/** The worker's methods: name → [params, result]. */
export interface WorkerMethods {
  init: [{ backend: AppBackend }, ChosenBackend];
  loadWeights: [{ url: string; base: string } | { files: Array<{ name: string; bytes: ArrayBuffer }> }, ModelInfo];
  setImage: [ImagePayload, MaskResult];
  click: [Click, MaskResult];
  undo: [Record<string, never>, MaskResult];
  reset: [Record<string, never>, MaskResult];
  setRefine: [{ refine: RefineMode }, MaskResult];
  setBrs: [{ enabled: boolean }, MaskResult];
  adapt: [{ steps: number }, AdaptResult];
  restoreModel: [Record<string, never>, MaskResult];
}

/** A request to the worker. */
export type WorkerRequest = { [M in keyof WorkerMethods]: { id: number; method: M; params: WorkerMethods[M][0] } }[keyof WorkerMethods];

/** A reply or an event from the worker. */
export type WorkerMessage =
  | { id: number; result: unknown }
  | { id: number; error: string }
  | { event: 'adapt-progress'; step: number; steps: number; loss: number; ms: number }
  | { event: 'status'; message: string };
