import type { Click } from '@objsel/clicks';
import type { InteractiveProbabilityModel, PredictorOptions } from '@objsel/deeplab-resnet/interactive';
import type { Command } from 'commander';
import { assertOutputsSafe } from '../output-guard';
import type { CliContext } from '../context';
import { CliError } from '../errors';
import { withExamples } from '../examples';
import { choiceFlag, clickFlag, numberFlag } from '../flags';
import { formatMethodSelect, runMethodSelect, SELECT_METHODS } from '../method-selection';
import { readBytes, readText } from '../node-fs';
import { addRefineFlags, brsFromFlags, refineFromFlags, type RawSelectionFlags } from '../selection-flags';
import { openInteractiveModel } from '../models';
import { selectionWarnings } from '../selection-warnings';
import { writeOutputs } from '../staged-outputs';

/** Options of {@link runSelect}. */
export interface SelectOptions extends PredictorOptions {
  image: string;
  /** The interactive network on either engine (`openInteractiveModel`); runSelect disposes it. */
  model: InteractiveProbabilityModel;
  clicks: Click[];
  out: string;
  /** Overlay PNG (default `<out without .png>_overlay.png`; empty string: none). */
  overlay?: string;
  /** Also write the probability map as float32 .npy [H, W]. */
  probs?: string;
}

/** What `objsel select` reports. */
export interface SelectResult {
  out: string;
  overlay?: string;
  probs?: string;
  width: number;
  height: number;
  clicks: Click[];
  /** Selected pixels. */
  area: number;
  refine: string;
  brsSteps: number;
  seconds: number;
}

/** `--overlay` when not given: `<out>_overlay.png`. */
const defaultOverlay = (out: string): string => out.replace(/(\.png)?$/i, '_overlay.png');

/** Runs `objsel select`: one selection from clicks, written as a 0/255 PNG (+ overlay). */
export async function runSelect(options: SelectOptions): Promise<SelectResult> {
  const { decodeImage, encodeMaskPng, encodePng, writeNpy } = await import('@objsel/voc-data');
  const { createInteractivePredictor, selectionOverlay } = await import('@objsel/deeplab-resnet/interactive');
  const { enforceClicks } = await import('@objsel/clicks'); // click-consistent whatever the refinement
  const segmenter = options.model;
  try {
    const image = await decodeImage(await readBytes(options.image), options.image);
    if (options.clicks.length === 0) throw new CliError('usage', 'give at least one --click X,Y,+ (or --clicks FILE)');
    for (const c of options.clicks) {
      if (c.x >= image.width || c.y >= image.height)
        throw new CliError('usage', `click (${c.x}, ${c.y}) is outside the ${image.width}x${image.height} image`);
    }
    const started = performance.now();
    const { atTrainedSize } = await import('../weights-metadata'); // a network trained at a model size runs at it
    const predicted = await createInteractivePredictor(image, segmenter, await atTrainedSize(options, image))(options.clicks);
    const prediction = { ...predicted, mask: enforceClicks(predicted.mask, image.width, image.height, options.clicks) };
    const seconds = (performance.now() - started) / 1000;
    const { width, height } = image;
    const mask = encodeMaskPng(prediction.mask, width, height);
    const files: Array<[string, Uint8Array]> = [[options.out, mask.png]];
    const result: SelectResult = {
      out: options.out,
      width,
      height,
      clicks: options.clicks,
      area: mask.area,
      refine: options.refine ?? 'none',
      brsSteps: prediction.brsSteps,
      seconds,
    };
    const overlay = options.overlay ?? defaultOverlay(options.out);
    if (overlay) {
      files.push([overlay, encodePng({ width, height, channels: 3, data: selectionOverlay(image, prediction.mask, options.clicks) })]);
      result.overlay = overlay;
    }
    if (options.probs) {
      files.push([options.probs, writeNpy({ shape: [height, width], data: prediction.probability })]);
      result.probs = options.probs;
    }
    await writeOutputs(files);
    return result;
  } finally {
    await segmenter.dispose();
  }
}

interface RawSelectFlags extends RawSelectionFlags {
  method: string;
  box?: string;
  weights?: string;
  click: string[];
  clicks?: string;
  out: string;
  overlay?: string;
  probs?: string;
  threshold: string;
  objects?: string;
  coco?: string;
}

/** `objsel select`: select an object in an image from positive and negative clicks. */
export function registerSelect(program: Command, context: () => CliContext): void {
  const cmd = program
    .command('select <image>')
    .description(
      'select the object under the clicks with an interactive network (Xu et al. 2016) or a classic method (GrabCut, graph cut, random walker, geodesic; no weights): a 0/255 mask PNG and an overlay',
    )
    .option('--method <name>', `${SELECT_METHODS.join(', ')}: the network needs --weights, the classic methods need none`, 'network')
    .option('--box <x0,y0,x1,y1>', 'classic methods: the object lies in this box (x1, y1 exclusive); outside it is background')
    .option(
      '--weights <dir>',
      'interactive weights (--method network): a weights directory, checkpoint or snapshot directory (objsel train --interactive)',
    )
    .option(
      '--click <x,y,+|->',
      'a click: pixel column, row, + (object) or - (background); repeat for more',
      (v: string, all: string[]) => [...all, v],
      [] as string[],
    )
    .option(
      '--clicks <file>',
      'clicks JSON ({"positive": [[x, y]], "negative": [[x, y]]} or [{"x", "y", "positive"}]), before the --click ones',
    )
    .option(
      '--objects <file>',
      'several objects: JSON [{"id": 1-255, "label"?, "clicks": [...]}]; --out becomes a palette PNG (pixel = object id)',
    )
    .option('--coco <file>', 'with --objects: also a COCO annotations JSON (compressed RLE per object)')
    .requiredOption('--out <mask.png>', 'the mask: 255 selected, 0 not')
    .option('--overlay <file>', 'overlay PNG (default: <out>_overlay.png)')
    .option('--probs <file.npy>', 'also write the object probability, float32 [H, W]')
    .option('--threshold <t>', 'probability threshold for --refine none', '0.5');
  addRefineFlags(cmd, 'graphcut').action(async (image: string, flags: RawSelectFlags) => {
    const ctx = context();
    if (flags.objects !== undefined || flags.coco !== undefined)
      return (await import('../select-objects')).selectObjectsCommand(ctx, image, flags);
    assertOutputsSafe(
      [
        ['--out', flags.out],
        ['--overlay', flags.overlay ?? defaultOverlay(flags.out)],
        ['--probs', flags.probs],
      ],
      [image, flags.weights, flags.clicks],
    );
    const clicks: Click[] = [];
    if (flags.clicks) {
      const { parseClicksJson } = await import('@objsel/clicks');
      clicks.push(...parseClicksJson(await readText(flags.clicks), flags.clicks));
    }
    clicks.push(...flags.click.map((c) => clickFlag(c)));
    const method = choiceFlag('--method', flags.method, SELECT_METHODS);
    if (method !== 'network') {
      const result = await runMethodSelect({
        method,
        image,
        clicks,
        out: flags.out,
        ...(flags.box !== undefined ? { box: flags.box } : {}),
        ...(flags.overlay !== undefined ? { overlay: flags.overlay } : {}),
        ...(flags.probs ? { probs: flags.probs } : {}),
      });
      for (const warning of await selectionWarnings({ file: image, ...result })) ctx.warn(warning);
      ctx.result(result, () => formatMethodSelect(result));
      return;
    }
    if (flags.box !== undefined)
      throw new CliError('usage', '--box is for the classic methods (--method grabcut, ...); the network takes clicks');
    if (!flags.weights)
      throw new CliError('usage', '--method network needs --weights DIR (the classic methods, e.g. --method grabcut, need none)');
    const threshold = numberFlag('--threshold', flags.threshold, { min: 0, max: 1 });
    // Every number is checked before the network is opened.
    const refine = refineFromFlags(flags);
    const brs = brsFromFlags(flags);
    const { model, backend } = await openInteractiveModel(ctx, flags.weights);
    const modelLongSide = await (await import('../weights-metadata')).weightsModelLongSide(flags.weights);
    const result = await runSelect({
      ...refine,
      ...(modelLongSide ? { modelLongSide } : {}),
      brs,
      threshold,
      image,
      model,
      clicks,
      out: flags.out,
      ...(flags.overlay !== undefined ? { overlay: flags.overlay } : {}),
      ...(flags.probs ? { probs: flags.probs } : {}),
    });
    for (const warning of await selectionWarnings({ file: image, weights: flags.weights, ...result })) ctx.warn(warning);
    ctx.result(
      { ...result, backend },
      () =>
        `${result.area} of ${result.width * result.height} pixels selected from ${result.clicks.length} click(s) (refine ${result.refine}${flags.brs ? `, f-BRS ${result.brsSteps} steps` : ''}, ${result.seconds.toFixed(2)} s on ${backend}) -> ${result.out}${result.overlay ? `, ${result.overlay}` : ''}`,
    );
  });
  withExamples(cmd, [
    'objsel select photo.jpg --weights snapshots-interactive --click 120,80,+ --out mask.png',
    'objsel select photo.jpg --method grabcut --box 60,40,300,260 --out mask.png   # no weights, no TF.js',
    'objsel select photo.jpg --method grabcut --box 60,40,300,260 --click 200,90,- --out mask.png',
    'objsel select photo.jpg --method random-walker --click 120,80,+ --click 10,10,- --out mask.png --probs p.npy',
    'objsel select photo.jpg --weights snap --click 120,80,+ --click 40,30,- --refine crf --out mask.png',
    'objsel select photo.jpg --weights snap --clicks clicks.json --brs --refine none --out mask.png --probs p.npy',
    'objsel select photo.jpg --weights snap --click 120,80,+ --out mask.png --backend onnx   # ONNX Runtime, no --brs',
    'objsel select photo.jpg --weights snap --objects objects.json --out objects.png --coco coco.json   # several objects',
  ]);
}
