/**
 * Messages between the page and the model worker. The page sends requests `{ id, method, params }`
 * and gets `{ id, result }` or `{ id, error }`; the worker also posts progress events.
 */
import type { Box, Click, SelectionMethodName } from '@objsel/clicks';
import type { AppBackend, ChosenBackend } from './model/backend';
import type { ShardCacheStats } from './model/weights-cache';

/** How the mask is made from the network's probability. */
export type RefineMode = 'none' | 'graphcut' | 'crf';

/** Which runtime runs the network: TF.js (default) or ONNX Runtime Web. */
export type EngineName = 'tfjs' | 'onnx';

/** How a selection is made: the network, or a classic method of `@objsel/clicks` (no weights). */
export type MethodName = 'network' | SelectionMethodName;

/** What ran for one click (or one box, or a recomputation), for the page's engine line. */
export interface RunInfo {
  /** `tfjs` or `onnx` for the network, `classic` for a classic method. */
  engine: EngineName | 'classic';
  /** What the page shows: `ONNX Runtime Web (wasm, 2 threads)`, `TF.js (wasm)`, `GrabCut`. */
  label: string;
  method: MethodName;
  /** Milliseconds of the network (or the classic method). */
  ms: number;
  /** Why another engine than the chosen one ran (f-BRS needs TF.js's training graph). */
  note?: string;
}

/** The engine in use, after `setEngine`. */
export interface EngineInfo {
  name: EngineName;
  label: string;
  /** Why WebGPU or wasm threads were not used. */
  notes: string[];
  /** ONNX only: the exported model's bytes, export and session milliseconds. */
  onnxBytes?: number;
  exportMs?: number;
  sessionMs?: number;
  /** Whether the page is cross-origin isolated (wasm threads allowed). */
  crossOriginIsolated: boolean;
}

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
  /** The box of a classic method, if one was drawn. */
  box?: Box;
  /** The method that made the mask. */
  method: MethodName;
  /** What ran for this result; absent when nothing ran (undo, reset, re-refinement). */
  run?: RunInfo;
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
  /** For a URL: shards read from Cache Storage and downloaded. */
  cache?: ShardCacheStats;
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
  setBox: [{ box: Box }, MaskResult];
  setEngine: [{ engine: EngineName }, { engine: EngineInfo; selection?: MaskResult }];
  setMethod: [{ method: MethodName }, MaskResult];
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
