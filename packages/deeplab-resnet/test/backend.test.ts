import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { DeeplabError, loadBackend } from '../src/index';

/** Why `tensorflow` does not load here (tfjs-node missing or not set up), or undefined when it does. */
const tensorflowError = await loadBackend('tensorflow').then(
  () => undefined,
  (e: unknown) => e as DeeplabError,
);

describe('loadBackend', () => {
  it('auto picks tensorflow where tfjs-node is set up, else wasm on a CPU-only Node machine, over cpu', async () => {
    const loaded = await loadBackend('auto');
    const expected = tensorflowError ? 'wasm' : 'tensorflow';
    expect(loaded.name).toBe(expected);
    expect(tf.getBackend()).toBe(expected);
  });

  it('activates cpu and wasm by name', async () => {
    expect((await loadBackend('cpu')).name).toBe('cpu');
    expect((await loadBackend('wasm')).name).toBe('wasm');
  });

  it('tensorflow: where it does not load, a backend-unavailable error naming the package or the setup script, without crashing', async () => {
    if (!tensorflowError) {
      expect((await loadBackend('tensorflow')).name).toBe('tensorflow');
      return;
    }
    expect(tensorflowError).toBeInstanceOf(DeeplabError);
    expect(tensorflowError.code).toBe('backend-unavailable');
    // Not installed: the package to install; installed without its binding: the setup script.
    expect(tensorflowError.message).toMatch(/npm install @tensorflow\/tfjs-node-gpu@4\.22\.0$|bash tools\/setup-tfjs-node\.sh/);
  });

  it('explains that webgpu needs navigator.gpu in plain Node', async () => {
    const error = (await loadBackend('webgpu').catch((e: unknown) => e)) as DeeplabError;
    expect(error.code).toBe('backend-unavailable');
    expect(error.message).toContain('navigator.gpu');
  });

  it('rejects unknown names', async () => {
    const error = (await loadBackend('gpu' as never).catch((e: unknown) => e)) as DeeplabError;
    expect(error.code).toBe('bad-config');
  });
});
