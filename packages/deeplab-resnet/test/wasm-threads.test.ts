import fs from 'node:fs';
import os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { loadBackend } from '../src/index';

// Threads are fixed when wasm first initialises: this file asks for 2 before anything else.
describe('multi-threaded wasm in Node', () => {
  it('initialises the threaded SIMD binary with the requested threads, computes the same convolution, and cleans up', async () => {
    const tempBefore = new Set(fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith('objsel-wasm-')));
    const loaded = await loadBackend('wasm', { wasmThreads: 2 });
    expect(loaded.name).toBe('wasm');
    expect(loaded.wasmThreads).toBe(2);
    // The temporary worker scripts are gone once initialised.
    expect(fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith('objsel-wasm-') && !tempBefore.has(f))).toEqual([]);

    const x = tf.randomNormal([1, 40, 40, 32], 0, 1, 'float32', 1) as tf.Tensor4D;
    const f = tf.randomNormal([3, 3, 32, 48], 0, 1, 'float32', 2) as tf.Tensor4D;
    const y = tf.conv2d(x, f, 1, 'same', 'NHWC', 2);
    const threaded = (await y.data()) as Float32Array;
    await loadBackend('cpu');
    const y2 = tf.conv2d(x, f, 1, 'same', 'NHWC', 2);
    const reference = (await y2.data()) as Float32Array;
    let max = 0;
    for (let i = 0; i < reference.length; i++) max = Math.max(max, Math.abs(threaded[i]! - reference[i]!));
    expect(max).toBeLessThan(1e-3);
    // A second request cannot change the thread count of the running backend.
    expect((await loadBackend('wasm', { wasmThreads: 1 })).wasmThreads).toBe(2);
    tf.dispose([x, f, y, y2]);
  });
});
