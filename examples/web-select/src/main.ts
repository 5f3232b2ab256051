/**
 * The page: image and weights loading, clicks, refinement and adaptation controls, drawing.
 * All model work happens in the worker (worker.ts); this thread only talks to it and draws.
 */
import { renderSyntheticSample, encodePng } from '@objsel/voc-data';
import { SELECTION_METHOD_NAMES, type Box, type RgbImage } from '@objsel/clicks';
import { SAMPLE_INDEX, SYNTHETIC_OPTIONS } from '../../../tools/web-model/domain';
import type { AppBackend, ChosenBackend } from './model/backend';
import type { AdaptResult, EngineInfo, EngineName, MaskResult, MethodName, ModelInfo, RefineMode, RunInfo } from './protocol';
import { ModelWorker, type WorkerEvent } from './rpc';
import { decodeImageFile, drawImage, drawMarks, drawMask } from './ui/canvas';
import { ObjectList, drawObjects, objectColour } from './ui/objects';

/** Where the app loads its shipped model from (relative to the page). */
const DEFAULT_WEIGHTS_URL = 'models/synthetic-interactive/model.json';

/** `?weights=none`: no network, the classic methods only. */
const NO_WEIGHTS = 'none';

/** Methods the page offers, in menu order. */
const METHODS: readonly MethodName[] = ['network', ...SELECTION_METHOD_NAMES];

/** What tests and scripts can read from the page. */
export interface ObjselPageState {
  backend?: ChosenBackend;
  model?: ModelInfo;
  /** The inference engine of the network (TF.js or ONNX Runtime Web). */
  engine?: EngineInfo;
  /** The selection method. */
  method: MethodName;
  /** What ran for each click (or box), in order: engine, label, milliseconds. */
  runs: RunInfo[];
  /** The last of {@link runs}. */
  lastRun?: RunInfo;
  /** Whether the page is cross-origin isolated (ONNX Runtime Web's wasm threads need it). */
  crossOriginIsolated: boolean;
  /** The last selection shown (clicks, timings). */
  selection?: Omit<MaskResult, 'mask'>;
  /** Every click's timings, in order. */
  clickTimings: MaskResult['timings'][];
  adapt?: Omit<AdaptResult, 'selection'>;
  /** The finished objects of the image (New object), and the id the selection in progress gets. */
  objects: { id: number; area: number; clicks: number }[];
  currentObjectId: number;
  /** What a left click adds (X swaps it; right or shift-click adds the other). */
  leftClickPositive: boolean;
  /** Opacity of the masks over the image (the slider). */
  maskOpacity: number;
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
const objectsCanvas = $<HTMLCanvasElement>('objects-layer');
const state: ObjselPageState = {
  clickTimings: [],
  runs: [],
  method: 'network',
  crossOriginIsolated: window.crossOriginIsolated === true,
  objects: [],
  currentObjectId: 1,
  leftClickPositive: true,
  maskOpacity: 0.5,
};
window.objsel = state;

const params = new URLSearchParams(location.search);
const requestedBackend = (params.get('backend') ?? 'auto') as AppBackend;
const noWeights = params.get('weights') === NO_WEIGHTS;
$<HTMLInputElement>('weights-url').value = noWeights ? DEFAULT_WEIGHTS_URL : (params.get('weights') ?? DEFAULT_WEIGHTS_URL);
const requestedEngine = params.get('engine') ?? 'tfjs';
const requestedMethod = params.get('method') ?? (noWeights ? 'grabcut' : 'network');
const methodSelect = $<HTMLSelectElement>('method');
const engineSelect = $<HTMLSelectElement>('engine');

let image: RgbImage | undefined;
/** The image's file name (COCO's file_name). */
let imageName = 'sample.png';
let current: MaskResult | undefined;
const objects = new ObjectList();
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

/** The engine line under the picture: what ran for the last click and how long it took. */
function showRun(run: RunInfo): void {
  state.runs.push(run);
  state.lastRun = run;
  const what = run.engine === 'classic' ? run.label : `${run.label} · network`;
  $('engine-line').textContent = `${what} ${run.ms.toFixed(0)} ms${run.note ? ` (${run.note})` : ''}`;
  $('engine-line').dataset.engine = run.engine;
}

function show(result: MaskResult): void {
  current = result;
  drawMask(maskCanvas, result.mask, result.width, result.height);
  drawMarks(marksCanvas, result.mask, result.clicks, result.width, result.height, displayScale(), result.box);
  if (result.run) showRun(result.run);
  maskCanvas.dataset.clicks = String(result.clicks.length);
  maskCanvas.dataset.version = String(Number(maskCanvas.dataset.version ?? 0) + 1);
  const { mask: _mask, ...rest } = result;
  state.selection = rest;
  const any = result.clicks.length > 0 || result.box !== undefined;
  for (const id of ['undo', 'reset', 'download', 'new-object']) $<HTMLButtonElement>(id).disabled = !any;
  showObjects();
  $<HTMLButtonElement>('adapt').disabled = !any || result.method !== 'network';
  const selected = result.mask.reduce((n, v) => n + v, 0);
  const t = result.timings;
  const brs = result.brsInfo ? ` (f-BRS ${result.brsInfo.steps} steps${result.brsInfo.satisfied ? '' : ', unsatisfied'})` : '';
  const share = `${((100 * selected) / result.mask.length).toFixed(1)}% selected`;
  $('stats').textContent = !any
    ? 'no clicks yet'
    : result.method === 'network'
      ? `${result.clicks.length} click(s) · ${share} · network ${t.networkMs.toFixed(0)} ms${brs} · ${result.refine} ${t.refineMs.toFixed(0)} ms`
      : `${result.clicks.length} click(s)${result.box ? ' and a box' : ''} · ${share} · ${result.method} ${t.networkMs.toFixed(0)} ms`;
}

/** The object list, the finished objects' layer and the download buttons. */
function showObjects(): void {
  const list = $<HTMLOListElement>('object-list');
  list.replaceChildren(
    ...objects.objects.map((o) => {
      const li = document.createElement('li');
      li.dataset.objectId = String(o.id);
      const swatch = document.createElement('span');
      swatch.className = 'swatch';
      swatch.style.background = `rgb(${objectColour(o.id).join(',')})`;
      const remove = document.createElement('button');
      remove.type = 'button';
      remove.textContent = '×';
      remove.setAttribute('aria-label', `delete object ${o.id}`);
      remove.addEventListener('click', () => {
        objects.remove(o.id);
        redrawObjects();
      });
      li.append(swatch, `object ${o.id} · ${o.area} px · ${o.clicks.length} click(s) `, remove);
      return li;
    }),
  );
  state.objects = objects.objects.map((o) => ({ id: o.id, area: o.area, clicks: o.clicks.length }));
  state.currentObjectId = objects.currentId;
  const anything = objects.objects.length > 0 || (current?.mask.some((v) => v) ?? false);
  for (const id of ['download-palette', 'download-coco', 'download-polygons']) $<HTMLButtonElement>(id).disabled = !anything;
}

function redrawObjects(): void {
  if (image) drawObjects(objectsCanvas, objects.objects, image.width, image.height);
  showObjects();
}

/** Keeps the selection as an object and starts the next one (N). */
async function newObject(): Promise<void> {
  if (!current || current.clicks.length === 0) return;
  const done = objects.finish(current.mask, current.clicks);
  redrawObjects();
  show(await worker.call('reset', {}));
  setStatus(`Object ${done.id} kept (${done.area} px). Click on the next object (object ${objects.currentId}).`);
}

async function openImage(img: RgbImage, label: string): Promise<void> {
  image = img;
  imageName = /\.(png|jpe?g|webp|gif|bmp)$/i.test(label) ? label : 'sample.png';
  objects.clear();
  drawObjects(objectsCanvas, [], img.width, img.height);
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
  const cache = info.cache?.available
    ? ` · shards: ${info.cache.hits} from the browser cache, ${info.cache.misses} downloaded${info.cache.storeError ? ` (not cached: ${info.cache.storeError})` : ''}`
    : '';
  $('model-info').textContent =
    `${info.source.replace(/^.*\/models\//, 'models/')} · ${info.parameters.toLocaleString('en')} parameters (${(info.bytes / 1024).toFixed(0)} KiB) · loaded in ${info.loadMs.toFixed(0)} ms, first run ${info.warmupMs.toFixed(0)} ms${cache}`;
  (methodSelect.querySelector('option[value=network]') as HTMLOptionElement).disabled = false;
  engineSelect.disabled = false;
}

/** The engine note: what the engine is, and that f-BRS and adaptation stay on TF.js. */
function showEngine(info: EngineInfo): void {
  state.engine = info;
  engineSelect.value = info.name;
  const notes = info.notes.length > 0 ? ` (${info.notes.join('; ')})` : '';
  $('engine-note').textContent =
    info.name === 'onnx' ? `${info.label}${notes}. f-BRS and Adapt run on TF.js: they need the training graph.` : `${info.label}${notes}.`;
}

/** Switches the inference engine; the clicks so far are recomputed on it. */
async function setEngine(engine: EngineName): Promise<void> {
  const { engine: info, selection } = await worker.call('setEngine', { engine });
  showEngine(info);
  if (selection) show(selection);
}

/** Switches the selection method; the clicks so far carry over. */
async function setMethod(method: MethodName): Promise<void> {
  show(await worker.call('setMethod', { method }));
  state.method = method;
  methodSelect.value = method;
  document.body.dataset.method = method;
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
  if (!METHODS.includes(requestedMethod as MethodName))
    throw new Error(`?method=${requestedMethod}: unknown (known: ${METHODS.join(', ')})`);
  if (requestedEngine !== 'tfjs' && requestedEngine !== 'onnx') throw new Error(`?engine=${requestedEngine}: unknown (known: tfjs, onnx)`);
  if (noWeights && requestedMethod === 'network')
    throw new Error('?weights=none leaves no network: choose a classic method (?method=grabcut)');
  if (noWeights && requestedEngine === 'onnx') throw new Error('?weights=none leaves no network to run on ONNX Runtime Web');
  await openImage(sampleImage(), 'Sample image from the synthetic domain');
  if (noWeights) {
    (methodSelect.querySelector('option[value=network]') as HTMLOptionElement).disabled = true;
    engineSelect.disabled = true;
    $('model-info').textContent = 'no weights (?weights=none): the classic methods only';
  } else {
    showModel(await worker.call('loadWeights', { url: $<HTMLInputElement>('weights-url').value, base: location.href }));
    showEngine(requestedEngine === 'onnx' ? (await worker.call('setEngine', { engine: 'onnx' })).engine : tfjsEngine(chosen));
  }
  if (requestedMethod !== 'network') await setMethod(requestedMethod as MethodName);
  const how =
    state.method === 'network'
      ? 'Left-click the object, right-click (or shift-click) the background.'
      : 'Drag a box around the object and/or click: left for the object, right (or shift) for the background.';
  setStatus(`Ready on ${chosen.name}${state.engine?.name === 'onnx' ? ' and ONNX Runtime Web' : ''}. ${how}`);
  return state;
}

function tfjsEngine(chosen: ChosenBackend): EngineInfo {
  return { name: 'tfjs', label: `TF.js (${chosen.name})`, notes: [], crossOriginIsolated: state.crossOriginIsolated };
}

window.objselReady = (async () => {
  const result = await work('starting…', start);
  if (!result) throw new Error(state.error ?? 'start-up failed');
  return result;
})();

/** A box being dragged (classic methods), in image pixels; a drag suppresses the click that ends it. */
let drag: { x: number; y: number; box?: Box } | undefined;
let suppressClick = false;

function imagePixel(e: MouseEvent): { x: number; y: number } {
  const rect = imageCanvas.getBoundingClientRect();
  return {
    x: Math.floor(((e.clientX - rect.left) * image!.width) / rect.width),
    y: Math.floor(((e.clientY - rect.top) * image!.height) / rect.height),
  };
}

/** The box spanned by two pixels (both inside), clamped to the image. */
function spannedBox(a: { x: number; y: number }, b: { x: number; y: number }): Box {
  const clamp = (v: number, max: number) => Math.max(0, Math.min(max, v));
  const [w, h] = [image!.width, image!.height];
  return [clamp(Math.min(a.x, b.x), w), clamp(Math.min(a.y, b.y), h), clamp(Math.max(a.x, b.x) + 1, w), clamp(Math.max(a.y, b.y) + 1, h)];
}

imageCanvas.addEventListener('mousedown', (e) => {
  if (!image || state.method === 'network' || e.button !== 0 || e.shiftKey) return;
  drag = imagePixel(e);
});
window.addEventListener('mousemove', (e) => {
  if (!drag || !image || !current) return;
  const at = imagePixel(e);
  // A few pixels of jitter are still a click.
  if (!drag.box && Math.hypot(at.x - drag.x, at.y - drag.y) * displayScale() < 5) return;
  drag.box = spannedBox(drag, at);
  drawMarks(marksCanvas, current.mask, current.clicks, current.width, current.height, displayScale(), drag.box);
});
window.addEventListener('mouseup', () => {
  const box = drag?.box;
  drag = undefined;
  if (!box) return;
  suppressClick = true;
  void work(`${state.method} with the box ${box.join(',')}…`, async () => {
    const result = await worker.call('setBox', { box });
    show(result);
    setStatus(`Mask updated in ${result.timings.totalMs.toFixed(0)} ms.`);
  });
});

// Clicks: left = object, right or shift = background.
function clickAt(e: MouseEvent, positive: boolean): void {
  if (!image) return;
  if (suppressClick) {
    suppressClick = false;
    return;
  }
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
imageCanvas.addEventListener('click', (e) => clickAt(e, e.shiftKey !== state.leftClickPositive));
methodSelect.addEventListener('change', () => {
  const method = methodSelect.value as MethodName;
  void work(`switching to ${method}…`, () => setMethod(method)).then(() => {
    methodSelect.value = state.method;
  });
});
engineSelect.addEventListener('change', () => {
  const engine = engineSelect.value as EngineName;
  void work(engine === 'onnx' ? 'exporting the network to ONNX…' : 'switching to TF.js…', () => setEngine(engine)).then(() => {
    engineSelect.value = state.engine?.name ?? 'tfjs';
  });
});

imageCanvas.addEventListener('contextmenu', (e) => {
  e.preventDefault();
  clickAt(e, !state.leftClickPositive);
});

/** X: swaps what a left click adds (object or background). */
function togglePolarity(): void {
  state.leftClickPositive = !state.leftClickPositive;
  const button = $<HTMLButtonElement>('polarity');
  button.dataset.positive = String(state.leftClickPositive);
  button.textContent = `Left click adds: ${state.leftClickPositive ? 'object' : 'background'}`;
}
$('polarity').addEventListener('click', togglePolarity);

$<HTMLInputElement>('opacity').addEventListener('input', (e) => {
  state.maskOpacity = Number((e.target as HTMLInputElement).value);
  stack.style.setProperty('--mask-opacity', String(state.maskOpacity));
});

$('new-object').addEventListener('click', () => void work('keeping the object…', newObject));

// Keyboard: Z or Ctrl+Z undo, N new object, X swap click polarity (not while typing in a field).
window.addEventListener('keydown', (e) => {
  const target = e.target as HTMLElement | null;
  if (target && /^(INPUT|SELECT|TEXTAREA)$/.test(target.tagName) && (target as HTMLInputElement).type !== 'range') return;
  if (e.altKey || e.metaKey) return;
  const key = e.key.toLowerCase();
  if (key === 'z' && !$<HTMLButtonElement>('undo').disabled) {
    e.preventDefault();
    void work('undo…', async () => show(await worker.call('undo', {})));
  } else if (key === 'n' && !e.ctrlKey && !$<HTMLButtonElement>('new-object').disabled) {
    e.preventDefault();
    void work('keeping the object…', newObject);
  } else if (key === 'x' && !e.ctrlKey) {
    e.preventDefault();
    togglePolarity();
  }
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

function download(bytes: Uint8Array | string, name: string, type: string): void {
  const url = URL.createObjectURL(new Blob([typeof bytes === 'string' ? bytes : new Uint8Array(bytes)], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

$('download').addEventListener('click', () => {
  if (!current) return;
  const gray = Uint8Array.from(current.mask, (v) => (v ? 255 : 0));
  download(encodePng({ width: current.width, height: current.height, channels: 1, data: gray }), 'mask.png', 'image/png');
});
// The finished objects and the selection in progress (as the next id), together.
const base = () => imageName.replace(/\.[^.]*$/, '');
$('download-palette').addEventListener('click', () => {
  if (image) download(objects.palettePng(current?.mask, image.width, image.height), `${base()}_objects.png`, 'image/png');
});
$('download-coco').addEventListener('click', () => {
  if (image) download(objects.coco(current?.mask, image.width, image.height, imageName), `${base()}_coco.json`, 'application/json');
});
$('download-polygons').addEventListener('click', () => {
  if (image) download(objects.polygons(current?.mask, image.width, image.height), `${base()}_polygons.json`, 'application/json');
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
    const onTfjs =
      state.engine?.name === 'onnx' ? ' (trained on TF.js, which has the training graph; ONNX Runtime Web runs a new export)' : '';
    $('adapt-status').textContent =
      `adapted: ${steps} steps, loss ${rest.losses[0]!.toFixed(4)} → ${rest.losses.at(-1)!.toFixed(4)}, ${mean.toFixed(0)} ms/step${onTfjs}`;
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
    drawMarks(marksCanvas, current.mask, current.clicks, current.width, current.height, displayScale(), current.box);
  }
});
