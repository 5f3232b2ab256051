/**
 * Comparison of two conformance step results, and a transport encoding for results that cross a
 * process or page boundary (base64 float32, exact).
 */
import type { StepResult } from './training-step';

/** How far one backend's step is from the reference. */
export interface StepDiff {
  /** Case name. */
  case: string;
  /** Backend compared against the reference. */
  backend: string;
  /** |loss - reference loss|. */
  lossDiff: number;
  /** |l2 - reference l2| of the weight-decay term, where the step reports it. */
  l2Diff?: number;
  /** Largest |w - w_ref| over every updated weight. */
  maxWeightDiff: number;
  /**
   * Largest per-variable |Δ - Δ_ref| / max|Δ_ref|, where Δ = updated - initial is the update the
   * step applied: the gradient's error relative to its size (the weights alone hide it when the
   * update is small).
   */
  maxRelativeUpdateDiff: number;
  /** Variable where the relative update difference is largest. */
  worstVariable: string;
  /** Largest |Δ_ref| (shows the step really moved the weights). */
  maxUpdate: number;
  /** Largest difference between the initial weights (must be 0: seeded initialisation is backend independent). */
  maxInitialDiff: number;
}

/** Compares `other` with `reference` (same case). */
export function compareSteps(reference: StepResult, other: StepResult): StepDiff {
  if (reference.case !== other.case) throw new Error(`comparing case ${other.case} with ${reference.case}`);
  let maxWeightDiff = 0;
  let maxRelativeUpdateDiff = 0;
  let worstVariable = '';
  let maxUpdate = 0;
  let maxInitialDiff = 0;
  for (const [name, ref] of Object.entries(reference.updated)) {
    const got = other.updated[name];
    const ref0 = reference.initial[name]!;
    const got0 = other.initial[name];
    if (!got || !got0 || got.length !== ref.length) throw new Error(`${other.backend}: variable ${name} missing or mis-sized`);
    let scale = 0;
    let diff = 0;
    for (let i = 0; i < ref.length; i++) {
      const dRef = ref[i]! - ref0[i]!;
      const dGot = got[i]! - got0[i]!;
      scale = Math.max(scale, Math.abs(dRef));
      diff = Math.max(diff, Math.abs(dGot - dRef));
      maxWeightDiff = Math.max(maxWeightDiff, Math.abs(got[i]! - ref[i]!));
      maxInitialDiff = Math.max(maxInitialDiff, Math.abs(got0[i]! - ref0[i]!));
    }
    maxUpdate = Math.max(maxUpdate, scale);
    // Variables the loss does not reach (zero update) compare absolutely.
    const relative = scale > 1e-12 ? diff / scale : diff;
    if (relative > maxRelativeUpdateDiff || worstVariable === '') {
      maxRelativeUpdateDiff = Math.max(maxRelativeUpdateDiff, relative);
      if (relative >= maxRelativeUpdateDiff) worstVariable = name;
    }
  }
  return {
    case: reference.case,
    backend: other.backend,
    lossDiff: Math.abs(other.loss - reference.loss),
    ...(reference.l2 !== undefined && other.l2 !== undefined ? { l2Diff: Math.abs(other.l2 - reference.l2) } : {}),
    maxWeightDiff,
    maxRelativeUpdateDiff,
    worstVariable,
    maxUpdate,
    maxInitialDiff,
  };
}

/** A {@link StepResult} with its arrays as base64 little-endian float32 (JSON-safe, exact). */
export type EncodedStepResult = Omit<StepResult, 'initial' | 'updated'> & {
  initial: Record<string, string>;
  updated: Record<string, string>;
};

function toBase64(a: Float32Array): string {
  const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

function fromBase64(s: string): Float32Array {
  const bin = atob(s);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return new Float32Array(bytes.buffer);
}

const mapValues = <A, B>(o: Record<string, A>, f: (a: A) => B): Record<string, B> =>
  Object.fromEntries(Object.entries(o).map(([k, v]) => [k, f(v)]));

/** Encodes a result for JSON transport. */
export function encodeStep(r: StepResult): EncodedStepResult {
  return { ...r, initial: mapValues(r.initial, toBase64), updated: mapValues(r.updated, toBase64) };
}

/** Decodes {@link encodeStep}'s output. */
export function decodeStep(r: EncodedStepResult): StepResult {
  return { ...r, initial: mapValues(r.initial, fromBase64), updated: mapValues(r.updated, fromBase64) };
}
