/**
 * Browser side of the conformance suite: runs every case's training step on the backend named
 * in `?backend=` (default webgpu) and publishes the results on `window.__conformance`.
 */
import '@tensorflow/tfjs-core/dist/register_all_gradients';
// Imported statically: a bundle cannot resolve loadBackend's run-time import() of a bare name.
import '@tensorflow/tfjs-backend-webgpu';
import * as tf from '@tensorflow/tfjs-core';
import { loadBackend, type BackendName } from '../../../src/index';
import { CONFORMANCE_CASES, runTrainingStep } from '../training-step';
import { encodeStep, type EncodedStepResult } from '../compare';

/** What the page publishes. */
export interface ConformancePageResult {
  backend: string;
  adapter?: { vendor?: string; architecture?: string; description?: string };
  results: EncodedStepResult[];
  error?: string;
}

declare global {
  interface Window {
    __conformance?: ConformancePageResult;
  }
}

async function adapterInfo(): Promise<ConformancePageResult['adapter']> {
  const gpu = (navigator as unknown as { gpu?: { requestAdapter(): Promise<{ info?: Record<string, string> } | null> } }).gpu;
  const adapter = await gpu?.requestAdapter();
  const info = adapter?.info;
  return info ? { vendor: info.vendor, architecture: info.architecture, description: info.description } : undefined;
}

async function run(): Promise<ConformancePageResult> {
  const requested = (new URLSearchParams(location.search).get('backend') ?? 'webgpu') as BackendName;
  const status = document.getElementById('status')!;
  try {
    const name = (await loadBackend(requested)).name;
    const results: EncodedStepResult[] = [];
    for (const c of CONFORMANCE_CASES) {
      status.textContent = `${name}: ${c.name}…`;
      results.push(encodeStep(await runTrainingStep(c)));
    }
    status.textContent = `${name}: done (${results.map((r) => `${r.case} loss ${r.loss.toFixed(6)}`).join(', ')})`;
    return { backend: tf.getBackend(), adapter: await adapterInfo(), results };
  } catch (error) {
    status.textContent = `failed: ${String(error)}`;
    return { backend: tf.getBackend() ?? 'none', results: [], error: (error as Error).stack ?? String(error) };
  }
}

void run().then((r) => {
  window.__conformance = r;
});
