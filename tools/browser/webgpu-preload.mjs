// Node preload (`node --import tools/browser/webgpu-preload.mjs`) that gives Node a
// `navigator.gpu` from the `webgpu` package (Dawn), before @tensorflow/tfjs-backend-webgpu is
// imported (it registers only when navigator.gpu exists). On a machine without a GPU Dawn runs
// on Mesa's OpenGL ES (llvmpipe) through EGL surfaceless, which only offers compatibility-mode
// adapters. DAWN_OPTS overrides the Dawn toggles (default `backend=opengles`).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

process.env.EGL_PLATFORM ??= 'surfaceless';
if (!process.env.XDG_RUNTIME_DIR || !fs.existsSync(process.env.XDG_RUNTIME_DIR)) {
  process.env.XDG_RUNTIME_DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'objsel-xdg-'));
  fs.chmodSync(process.env.XDG_RUNTIME_DIR, 0o700);
}

const { create, globals } = await import('webgpu');
Object.assign(globalThis, globals); // GPUBufferUsage, GPUMapMode, GPUShaderStage, ...
const gpu = create((process.env.DAWN_OPTS || 'backend=opengles').split(' '));
const requestAdapter = gpu.requestAdapter.bind(gpu);
gpu.requestAdapter = (options = {}) => requestAdapter({ ...options, featureLevel: 'compatibility' });
Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
