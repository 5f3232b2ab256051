/**
 * Node WebGPU side of the conformance suite, run as a bundled script under
 * `node --import tools/browser/webgpu-preload.mjs` (Dawn on Mesa GLES, compatibility adapter):
 * prints one JSON line `{ backend, results }` or `{ skipped: reason }`, then exits (Dawn keeps
 * Node alive otherwise).
 */
import '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs-core';
import { loadBackend } from '../../src/index';
import { CONFORMANCE_CASES, runTrainingStep } from './training-step';
import { encodeStep } from './compare';

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
  const only = process.env.OBJSEL_CONFORMANCE_CASES?.split(',');
  const results = [];
  for (const c of CONFORMANCE_CASES) if (!only || only.includes(c.name)) results.push(encodeStep(await runTrainingStep(c)));
  return { backend: tf.getBackend(), results };
}

main().then(
  // Exit only once stdout is flushed: a pipe's write is asynchronous and exit would cut it.
  (r) => process.stdout.write(`${JSON.stringify(r)}\n`, () => process.exit(0)),
  (error: unknown) =>
    process.stdout.write(`${JSON.stringify({ error: (error as Error).stack ?? String(error) })}\n`, () => process.exit(1)),
);
