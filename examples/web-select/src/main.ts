/**
 * The page: image and weights loading, clicks, refinement and adaptation controls, drawing.
 * All model work happens in the worker (worker.ts); this thread only talks to it and draws.
 */
import { renderSyntheticSample, encodePng } from '@objsel/voc-data';
import type { RgbImage } from '@objsel/clicks';
import { SAMPLE_INDEX, SYNTHETIC_OPTIONS } from '../../../tools/web-model/domain';
import type { AppBackend, ChosenBackend } from './model/backend';
import type { AdaptResult, MaskResult, ModelInfo, RefineMode } from './protocol';
import { ModelWorker, type WorkerEvent } from './rpc';
import { decodeImageFile, drawImage, drawMarks, drawMask } from './ui/canvas';

/** Where the app loads its shipped model from (relative to the page). */
const DEFAULT_WEIGHTS_URL = 'models/synthetic-interactive/model.json';

/** What tests and scripts can read from the page. */
export interface ObjselPageState {
  backend?: ChosenBackend;
  model?: ModelInfo;
  /** The last selection shown (clicks, timings). */
  selection?: Omit<MaskResult, 'mask'>;
  /** Every click's timings, in order. */
  clickTimings: MaskResult['timings'][];
  adapt?: Omit<AdaptResult, 'selection'>;
  /** The last error shown, if any. */
  error?: string;
}

declare global {
  interface Window {
    /** Resolves when the backend is chosen, the model is loaded and warmed up, and the sample image is shown. */
    objselReady: Promise<ObjselPageState>;
    /** Live state for automation. */
    objsel: ObjselPageState;
  }
}

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const imageCanvas = $<HTMLCanvasElement>('image');
const maskCanvas = $<HTMLCanvasElement>('mask');
const marksCanvas = $<HTMLCanvasElement>('marks');
const stack = $<HTMLDivElement>('stack');
const status = $<HTMLParagraphElement>('status');
const state: ObjselPageState = { clickTimings: [] };
window.objsel = state;

const params = new URLSearchParams(location.search);
const requestedBackend = (params.get('backend') ?? 'auto') as AppBackend;
$<HTMLInputElement>('weights-url').value = params.get('weights') ?? DEFAULT_WEIGHTS_URL;

let image: RgbImage | undefined;
let current: MaskResult | undefined;
let pending = 0;

function setStatus(message: string): void {
  status.textContent = message;
}

/** Runs page work that waits on the worker, with the busy marker and errors shown. */
async function work<T>(label: string, task: () => Promise<T>): Promise<T | undefined> {
  pending++;
  document.body.dataset.busy = 'true';
  setStatus(label);
  try {
    return await task();
  } catch (error) {
    state.error = (error as Error).message;
    setStatus(`⚠ ${state.error}`);
    console.warn(error);
    return undefined;
  } finally {
    pending--;
    if (pending === 0) document.body.dataset.busy = 'false';
  }
}

const displayScale = (): number => (image ? imageCanvas.getBoundingClientRect().width / image.width : 1);

function fitDisplay(img: RgbImage): void {
  const available = Math.max(320, stack.parentElement!.clientWidth - 40);
  const width = Math.min(available, Math.max(img.width, Math.min(2 * img.width, 760)));
  stack.style.setProperty('--display-width', `${Math.round(width)}px`);
}

function show(result: MaskResult): void {
  current = result;
  drawMask(maskCanvas, result.mask, result.width, result.height);
  drawMarks(marksCanvas, result.mask, result.clicks, result.width, result.height, displayScale());
  maskCanvas.dataset.clicks = String(result.clicks.length);
  maskCanvas.dataset.version = String(Number(maskCanvas.dataset.version ?? 0) + 1);
  const { mask: _mask, ...rest } = result;
  state.selection = rest;
  const any = result.clicks.length > 0;
  for (const id of ['undo', 'reset', 'download', 'adapt']) $<HTMLButtonElement>(id).disabled = !any;
  const selected = result.mask.reduce((n, v) => n + v, 0);
  const t = result.timings;
  const brs = result.brsInfo ? ` (f-BRS ${result.brsInfo.steps} steps${result.brsInfo.satisfied ? '' : ', unsatisfied'})` : '';
  $('stats').textContent = any
    ? `${result.clicks.length} click(s) · ${((100 * selected) / result.mask.length).toFixed(1)}% selected · network ${t.networkMs.toFixed(0)} ms${brs} · ${result.refine} ${t.refineMs.toFixed(0)} ms`
    : 'no clicks yet';
}

async function openImage(img: RgbImage, label: string): Promise<void> {
  image = img;
  fitDisplay(img);
  drawImage(imageCanvas, img);
  const result = await worker.call('setImage', { width: img.width, height: img.height, data: img.data });
  show(result);
  setStatus(`${label} (${img.width}×${img.height}). Click on an object.`);
}

function sampleImage(): RgbImage {
  return renderSyntheticSample(SAMPLE_INDEX, SYNTHETIC_OPTIONS).image;
}

function onEvent(e: WorkerEvent): void {
  if (e.event === 'status') setStatus(e.message);
  if (e.event === 'adapt-progress') {
    const bar = $<HTMLProgressElement>('adapt-progress');
    bar.max = e.steps;
    bar.value = e.step;
    $('adapt-status').textContent = `step ${e.step}/${e.steps} · loss ${e.loss.toFixed(4)} · ${e.ms.toFixed(0)} ms`;
  }
}

const worker = new ModelWorker(new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' }), onEvent);

function showModel(info: ModelInfo): void {
  state.model = info;
  $('model-info').textContent =
    `${info.source.replace(/^.*\/models\//, 'models/')} · ${info.parameters.toLocaleString('en')} parameters (${(info.bytes / 1024).toFixed(0)} KiB) · loaded in ${info.loadMs.toFixed(0)} ms, first run ${info.warmupMs.toFixed(0)} ms`;
}

async function start(): Promise<ObjselPageState> {
  const chosen = await worker.call('init', { backend: requestedBackend });
  state.backend = chosen;
  $('backend').textContent = chosen.name;
  $('backend').title = chosen.adapter ?? '';
  const note = $('backend-note');
  if (chosen.notes.length > 0) {
    note.hidden = false;
    note.textContent = `(fallback: ${chosen.notes.join('; ')})`;
  } else if (chosen.softwareAdapter) {
    note.hidden = false;
    note.textContent = '(software WebGPU adapter: slow here; ?backend=wasm is faster on this machine)';
  }
  await openImage(sampleImage(), 'Sample image from the synthetic domain');
  const info = await worker.call('loadWeights', { url: $<HTMLInputElement>('weights-url').value, base: location.href });
  showModel(info);
  setStatus(`Ready on ${chosen.name}. Left-click the object, right-click (or shift-click) the background.`);
  return state;
}

window.objselReady = (async () => {
  const result = await work('starting…', start);
  if (!result) throw new Error(state.error ?? 'start-up failed');
  return result;
})();

// Clicks: left = object, right or shift = background.
function clickAt(e: MouseEvent, positive: boolean): void {
  if (!image) return;
  const rect = imageCanvas.getBoundingClientRect();
  const x = Math.floor(((e.clientX - rect.left) * image.width) / rect.width);
  const y = Math.floor(((e.clientY - rect.top) * image.height) / rect.height);
  if (x < 0 || y < 0 || x >= image.width || y >= image.height) return;
  void work(`segmenting (${positive ? 'object' : 'background'} click at ${x},${y})…`, async () => {
    const result = await worker.call('click', { x, y, positive });
    state.clickTimings.push(result.timings);
    show(result);
    setStatus(`Mask updated in ${result.timings.totalMs.toFixed(0)} ms.`);
  });
}
imageCanvas.addEventListener('click', (e) => clickAt(e, !e.shiftKey));
imageCanvas.addEventListener('contextmenu', (e) => {
  e.preventDefault();
  clickAt(e, false);
});

$('undo').addEventListener('click', () => void work('undo…', async () => show(await worker.call('undo', {}))));
$('reset').addEventListener('click', () => void work('reset…', async () => show(await worker.call('reset', {}))));

for (const radio of document.querySelectorAll<HTMLInputElement>('input[name=refine]')) {
  radio.addEventListener(
    'change',
    () =>
      void work(`refining with ${radio.value}…`, async () => show(await worker.call('setRefine', { refine: radio.value as RefineMode }))),
  );
}

$<HTMLInputElement>('brs').addEventListener('change', (e) => {
  const enabled = (e.target as HTMLInputElement).checked;
  void work(enabled ? 'f-BRS on: recomputing…' : 'f-BRS off: recomputing…', async () => show(await worker.call('setBrs', { enabled })));
});

$('download').addEventListener('click', () => {
  if (!current) return;
  const gray = Uint8Array.from(current.mask, (v) => (v ? 255 : 0));
  const png = encodePng({ width: current.width, height: current.height, channels: 1, data: gray });
  const url = URL.createObjectURL(new Blob([new Uint8Array(png)], { type: 'image/png' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = 'mask.png';
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
});

$('adapt').addEventListener('click', () => {
  const steps = Math.max(1, Math.min(50, Number($<HTMLInputElement>('adapt-steps').value) || 5));
  $<HTMLProgressElement>('adapt-progress').value = 0;
  void work(`adapting the network to this image (${steps} steps)…`, async () => {
    const result = await worker.call('adapt', { steps });
    const { selection, ...rest } = result;
    state.adapt = rest;
    show(selection);
    $<HTMLButtonElement>('restore').disabled = false;
    const mean = rest.stepMs.reduce((a, b) => a + b, 0) / rest.stepMs.length;
    $('adapt-status').textContent =
      `adapted: ${steps} steps, loss ${rest.losses[0]!.toFixed(4)} → ${rest.losses.at(-1)!.toFixed(4)}, ${mean.toFixed(0)} ms/step`;
    setStatus('Adapted to this image; the mask was recomputed with the new weights.');
  });
});

$('restore').addEventListener(
  'click',
  () =>
    void work('restoring the shipped weights…', async () => {
      show(await worker.call('restoreModel', {}));
      $<HTMLButtonElement>('restore').disabled = true;
      $('adapt-status').textContent = 'restored the loaded weights';
    }),
);

$('sample').addEventListener(
  'click',
  () => void work('rendering the sample…', () => openImage(sampleImage(), 'Sample image from the synthetic domain')),
);

async function openFile(file: File): Promise<void> {
  await work(`opening ${file.name}…`, async () => openImage(await decodeImageFile(file), file.name));
}
$<HTMLInputElement>('image-file').addEventListener('change', (e) => {
  const input = e.target as HTMLInputElement;
  const file = input.files?.[0];
  // Cleared so that picking the same file again (say, after reset) opens it again.
  input.value = '';
  if (file) void openFile(file);
});
stack.addEventListener('dragover', (e) => {
  e.preventDefault();
  stack.classList.add('drop');
});
stack.addEventListener('dragleave', () => stack.classList.remove('drop'));
stack.addEventListener('drop', (e) => {
  e.preventDefault();
  stack.classList.remove('drop');
  const file = e.dataTransfer?.files[0];
  if (file) void openFile(file);
});

$<HTMLFormElement>('weights-url-form').addEventListener('submit', (e) => {
  e.preventDefault();
  void work('loading weights…', async () =>
    showModel(await worker.call('loadWeights', { url: $<HTMLInputElement>('weights-url').value, base: location.href })),
  );
});
$<HTMLInputElement>('weights-files').addEventListener('change', (e) => {
  const input = e.target as HTMLInputElement;
  const files = [...(input.files ?? [])];
  // Cleared so that picking the same files again (after fixing one) fires a change again.
  input.value = '';
  if (files.length === 0) return;
  void work('loading weights from files…', async () => {
    const payload = await Promise.all(files.map(async (f) => ({ name: f.name, bytes: await f.arrayBuffer() })));
    showModel(await worker.call('loadWeights', { files: payload }));
  });
});
window.addEventListener('resize', () => {
  if (image && current) {
    fitDisplay(image);
    drawMarks(marksCanvas, current.mask, current.clicks, current.width, current.height, displayScale());
  }
});
