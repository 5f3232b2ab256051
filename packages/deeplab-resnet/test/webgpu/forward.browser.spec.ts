/**
 * Inference on cpu, wasm and WebGPU (Node, Dawn on Mesa's OpenGL ES via
 * `tools/browser/webgpu-preload.mjs`) agrees within 1e-3: the training graph's logits, the folded
 * inference logits and multi-scale probabilities of the same seeded network. Part of the browser
 * suite (`npm run test:browser`) because it bundles a Node entry; skips, with the reason, where
 * no WebGPU adapter initialises (setup: tools/setup-system.sh installs libegl1, libegl-mesa0,
 * libgles2).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../../../tools/browser/aliases.mjs';
import { buildNodeEntry } from '../../../../tools/browser/build.mjs';
import { loadBackend } from '../../src/index';
import { crossBackendOutputs, type CrossBackendOutputs } from './cross-backend';

const TOLERANCE = 1e-3;
const HERE = path.dirname(new URL(import.meta.url).pathname);

/** max |a − b| / max(1, max |b|). */
function relMax(a: number[], b: number[]): number {
  expect(a.length).toBe(b.length);
  let diff = 0;
  let scale = 1;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return diff / scale;
}

function runNode(file: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const preload = path.join(ROOT, 'tools/browser/webgpu-preload.mjs');
    const child = spawn(process.execPath, ['--import', preload, file], { cwd: ROOT, env: { ...process.env, EGL_PLATFORM: 'surfaceless' } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const line = out
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .pop();
      // No result at all means Dawn itself could not start (e.g. missing EGL/GLES libraries).
      if (!line)
        resolve({ skipped: `the Node WebGPU process printed no result (exit ${code}): ${err.trim().split('\n').slice(-3).join(' | ')}` });
      else resolve(JSON.parse(line) as Record<string, unknown>);
    });
  });
}

describe('inference agrees on cpu, wasm and WebGPU (Node, Dawn)', () => {
  let work: string;
  let webgpu: Record<string, unknown>;
  const reference: Record<string, CrossBackendOutputs> = {};

  beforeAll(async () => {
    // Inside the checkout, so that the bundle resolves its npm imports from node_modules.
    fs.mkdirSync(path.join(ROOT, '.objsel-tmp'), { recursive: true });
    work = fs.mkdtempSync(path.join(ROOT, '.objsel-tmp', 'webgpu-forward-'));
    const entry = await buildNodeEntry({ entry: path.join(HERE, 'node-webgpu-forward.ts'), outDir: path.join(work, 'node') });
    webgpu = await runNode(entry);
    for (const backend of ['cpu', 'wasm'] as const) {
      await loadBackend(backend);
      reference[backend] = await crossBackendOutputs();
    }
  });
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  it('cpu and wasm agree, on probabilities that are not saturated', () => {
    const probs = reference.cpu!.probabilities;
    expect(probs.filter((p) => p > 0.05 && p < 0.95).length / probs.length).toBeGreaterThan(0.2);
    for (const key of ['forward', 'folded', 'probabilities'] as const)
      expect(relMax(reference.wasm![key], reference.cpu![key]), key).toBeLessThan(TOLERANCE);
  });

  it('WebGPU agrees with cpu and wasm (skips with the reason where no adapter initialises)', (ctx) => {
    if (webgpu.error) throw new Error(String(webgpu.error));
    if (webgpu.skipped) {
      console.log(`SKIP Node WebGPU inference check: ${String(webgpu.skipped)}`);
      ctx.skip(String(webgpu.skipped));
      return;
    }
    expect(webgpu.backend).toBe('webgpu');
    const outputs = webgpu.outputs as CrossBackendOutputs;
    const report: Record<string, number> = {};
    for (const key of ['forward', 'folded', 'probabilities'] as const) {
      for (const other of ['cpu', 'wasm'] as const) {
        const d = relMax(outputs[key], reference[other]![key]);
        report[`${key} vs ${other}`] = d;
        expect(d, `${key} vs ${other}`).toBeLessThan(TOLERANCE);
      }
    }
    console.info(JSON.stringify({ webgpuSeconds: webgpu.seconds, maxRelativeDiff: report }));
  });
});
