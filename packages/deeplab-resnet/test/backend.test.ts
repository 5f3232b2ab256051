import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { DeeplabError, loadBackend } from '../src/index';

describe('loadBackend', () => {
  it('auto picks wasm on a CPU-only Node machine, over cpu', async () => {
    const loaded = await loadBackend('auto');
    expect(loaded.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
  });

  it('activates cpu and wasm by name', async () => {
    expect((await loadBackend('cpu')).name).toBe('cpu');
    expect((await loadBackend('wasm')).name).toBe('wasm');
  });

  it('names the package to install when tfjs-node-gpu is missing, without crashing', async () => {
    const error = await loadBackend('tensorflow').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeeplabError);
    expect((error as DeeplabError).code).toBe('backend-unavailable');
    expect((error as DeeplabError).message).toMatch(/npm install @tensorflow\/tfjs-node-gpu@4\.22\.0$/);
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
