/**
 * Conformance in Node: the training step of every case gives the same loss and updated weights
 * on wasm as on the cpu reference (within 1e-3). The browser (WebGPU on SwiftShader) and Node
 * WebGPU (Dawn) runs of the same step are in `conformance.browser.spec.ts` (browser suite).
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { loadBackend } from '../../src/index';
import { CONFORMANCE_CASES, runTrainingStep, type ConformanceCase, type StepResult } from './training-step';
import { compareSteps } from './compare';

const TOLERANCE = 1e-3;

describe('training step conformance: wasm vs cpu', () => {
  const reports: unknown[] = [];
  const references = new Map<string, StepResult>();
  /** The cpu result of a case, computed once. */
  const reference = async (c: ConformanceCase): Promise<StepResult> => {
    if (!references.has(c.name)) {
      await loadBackend('cpu');
      references.set(c.name, await runTrainingStep(c));
    }
    return references.get(c.name)!;
  };
  afterAll(() => {
    console.log(JSON.stringify({ conformance: reports }));
  });

  for (const c of CONFORMANCE_CASES) {
    it(`${c.name}: same loss and updated weights within ${TOLERANCE}`, async () => {
      const cpu = await reference(c);
      await loadBackend('wasm');
      const wasm = await runTrainingStep(c);
      expect(wasm.backend).toBe('wasm');
      const diff = compareSteps(cpu, wasm);
      reports.push({
        ...diff,
        cpuStepMs: Math.round(cpu.warmStepMs ?? cpu.stepMs),
        wasmStepMs: Math.round(wasm.warmStepMs ?? wasm.stepMs),
        loss: cpu.loss,
      });
      expect(diff.maxInitialDiff).toBe(0);
      expect(diff.maxUpdate).toBeGreaterThan(1e-3); // the step really trains
      expect(diff.lossDiff).toBeLessThanOrEqual(TOLERANCE * Math.max(1, Math.abs(cpu.loss)));
      expect(diff.maxWeightDiff).toBeLessThanOrEqual(TOLERANCE);
      expect(diff.maxRelativeUpdateDiff).toBeLessThanOrEqual(TOLERANCE);
    });
  }

  it('the comparison catches an update 0.2% off', async () => {
    const c = CONFORMANCE_CASES[0]!;
    const cpu = await reference(c);
    await loadBackend('wasm');
    const skewed = await runTrainingStep({ ...c, learningRate: c.learningRate * 1.002 });
    expect(tf.getBackend()).toBe('wasm');
    const diff = compareSteps(cpu, skewed);
    expect(diff.maxRelativeUpdateDiff).toBeGreaterThan(TOLERANCE);
    expect(diff.lossDiff).toBeLessThanOrEqual(TOLERANCE); // same loss: only the update differs
  });
});
