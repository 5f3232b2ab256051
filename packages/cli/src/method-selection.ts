import type { Box, Click, SelectionMethod, SelectionMethodName, SelectionState } from '@objsel/clicks';
import type { RgbImage } from '@objsel/voc-data';
import { CliError } from './errors';
import { boxFlag } from './flags';
import { readBytes } from './node-fs';
import { writeOutputs } from './staged-outputs';

/** `--method`: the network or one of the classic methods. */
export const SELECT_METHODS = ['network', 'grabcut', 'graphcut-colour', 'random-walker', 'geodesic'] as const;

/** Options of {@link runMethodSelect}. */
export interface MethodSelectOptions {
  image: string;
  method: SelectionMethodName;
  /** `--box x0,y0,x1,y1` as given; checked against the image once it is decoded. */
  box?: string;
  clicks: Click[];
  out: string;
  /** Overlay PNG (default `<out without .png>_overlay.png`; empty string: none). */
  overlay?: string;
  /** The foreground probability as float32 .npy [H, W] (random walker only: the others give no probability). */
  probs?: string;
}

/** What `objsel select --method <classic>` reports. */
export interface MethodSelectResult {
  method: SelectionMethodName;
  out: string;
  overlay?: string;
  probs?: string;
  width: number;
  height: number;
  box?: Box;
  clicks: Click[];
  /** Selected pixels. */
  area: number;
  /** Method calls made: the box (if any), then one per click, each refining the previous result. */
  steps: number;
  seconds: number;
}

/**
 * One selection with a classic method, replayed as a user would make it: the box first (if any),
 * then each click in order, every call refining the previous call's state (GrabCut keeps its
 * colour models), exactly like `createMethodPredictor` and the web app's method session.
 */
export async function runMethodSelect(options: MethodSelectOptions): Promise<MethodSelectResult> {
  const { decodeImage, encodeMaskPng, encodePng, writeNpy } = await import('@objsel/voc-data');
  const { selectionMethod, selectionOverlay } = await import('@objsel/clicks');
  if (options.probs && options.method !== 'random-walker')
    throw new CliError('usage', `--probs needs a probability: the network or --method random-walker (${options.method} gives a mask only)`);
  const image = await decodeImage(await readBytes(options.image), options.image);
  const { width, height } = image;
  const box = options.box === undefined ? undefined : boxFlag(options.box, image);
  if (!box && options.clicks.length === 0)
    throw new CliError('usage', `--method ${options.method} needs --box x0,y0,x1,y1 and/or at least one --click X,Y,+`);
  for (const c of options.clicks) {
    if (c.x >= width || c.y >= height) throw new CliError('usage', `click (${c.x}, ${c.y}) is outside the ${width}x${height} image`);
  }
  const started = performance.now();
  const { mask, state, steps } = await replayMethod(selectionMethod(options.method), image, box, options.clicks);
  const seconds = (performance.now() - started) / 1000;
  const encoded = encodeMaskPng(mask, width, height);
  const files: Array<[string, Uint8Array]> = [[options.out, encoded.png]];
  const report: MethodSelectResult = {
    method: options.method,
    out: options.out,
    width,
    height,
    ...(box ? { box } : {}),
    clicks: options.clicks,
    area: encoded.area,
    steps,
    seconds,
  };
  const overlayFile = options.overlay ?? options.out.replace(/(\.png)?$/i, '_overlay.png');
  if (overlayFile) {
    files.push([overlayFile, encodePng({ width, height, channels: 3, data: selectionOverlay(image, mask, options.clicks) })]);
    report.overlay = overlayFile;
  }
  if (options.probs && state.method === 'random-walker') {
    files.push([options.probs, writeNpy({ shape: [height, width], data: Float32Array.from(state.probability) })]);
    report.probs = options.probs;
  }
  await writeOutputs(files);
  return report;
}

/**
 * A selection replayed as a user makes it: the box first (if any), then each click in order,
 * every call refining the previous call's state (GrabCut keeps its colour models). `select
 * --method` and `serve`'s `/v1/select` with a `method` both answer with this. The mask is made
 * click-consistent (each clicked pixel carries its click's label), as the network's is: the
 * random walker's and geodesic's thresholds can leave a clicked pixel on the wrong side. The
 * state is the method's own (the NoC robot, which keeps the papers' protocol, does not come here).
 */
export async function replayMethod(
  run: SelectionMethod<SelectionState>,
  image: RgbImage,
  box: Box | undefined,
  clicks: readonly Click[],
): Promise<{ mask: Uint8Array; state: SelectionState; steps: number }> {
  const { enforceClicks } = await import('@objsel/clicks');
  let result: { mask: Uint8Array; state: SelectionState } | undefined;
  let steps = 0;
  for (let k = box ? 0 : 1; k <= clicks.length; k++) {
    result = run(image, { clicks: clicks.slice(0, k), ...(box ? { box } : {}), previous: result?.state });
    steps++;
  }
  if (!result) throw new CliError('usage', 'a classic method needs a box and/or at least one click');
  return { ...result, mask: enforceClicks(result.mask, image.width, image.height, clicks), steps };
}

/** The human line of {@link runMethodSelect}'s result. */
export function formatMethodSelect(result: MethodSelectResult): string {
  const input = [result.box ? `box ${result.box.join(',')}` : '', result.clicks.length ? `${result.clicks.length} click(s)` : '']
    .filter(Boolean)
    .join(' + ');
  return `${result.area} of ${result.width * result.height} pixels selected by ${result.method} from ${input} (${result.seconds.toFixed(2)} s) -> ${result.out}${result.overlay ? `, ${result.overlay}` : ''}`;
}
