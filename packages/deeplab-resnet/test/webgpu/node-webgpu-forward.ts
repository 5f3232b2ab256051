/**
 * Node WebGPU side of the cross-backend inference check, bundled and run under
 * `node --import tools/browser/webgpu-preload.mjs` (Dawn on Mesa GLES): computes the logits of
 * the shared test network on webgpu and prints one JSON line `{ backend, outputs }` or
 * `{ skipped: reason }`, then exits (Dawn keeps Node alive otherwise).
 */
import '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs-core';
import { loadBackend } from '../../src/index';
import { crossBackendOutputs } from './cross-backend';

async function main(): Promise<unknown> {
  tf.enableProdMode();
  const gpu = (globalThis as { navigator?: { gpu?: { requestAdapter(): Promise<unknown> } } }).navigator?.gpu;
  if (!gpu) return { skipped: 'navigator.gpu is missing (the webgpu preload did not run)' };
  const adapter = await gpu.requestAdapter().catch((e: unknown) => e);
  if (!adapter || adapter instanceof Error)
    return { skipped: `Dawn gave no WebGPU adapter${adapter instanceof Error ? `: ${adapter.message}` : ''}` };
  try {
    await loadBackend('webgpu');
  } catch (error) {
    return { skipped: `TF.js webgpu backend did not initialise: ${(error as Error).message}` };
  }
  const started = performance.now();
  const outputs = await crossBackendOutputs();
  return { backend: tf.getBackend(), seconds: (performance.now() - started) / 1000, outputs };
}

main().then(
  (r) => process.stdout.write(`${JSON.stringify(r)}\n`, () => process.exit(0)),
  (error: unknown) =>
    process.stdout.write(`${JSON.stringify({ error: (error as Error).stack ?? String(error) })}\n`, () => process.exit(1)),
);
