/**
 * `objsel select --objects FILE`: several objects of one image, each from its own clicks, written
 * as one palette PNG (pixel value = object id, VOC colours; where objects overlap the later one is
 * on top) and, with `--coco FILE`, a COCO annotations file (one compressed-RLE annotation per
 * object). Every object's mask holds its positive clicks and none of its negative ones.
 */
import path from 'node:path';
import type { Click } from '@objsel/clicks';
import type { InteractiveProbabilityModel, PredictorOptions } from '@objsel/deeplab-resnet/interactive';
import type { CliContext } from './context';
import { CliError } from './errors';
import { numberFlag } from './flags';
import { openInteractiveModel } from './models';
import { readBytes, readText } from './node-fs';
import { writeOutputs } from './staged-outputs';
import { assertOutputsSafe } from './output-guard';
import { brsFromFlags, refineFromFlags, type RawSelectionFlags } from './selection-flags';

/** One object of an objects file. */
export interface ObjectClicks {
  /** 1-255: the palette index and COCO annotation id. */
  id: number;
  label?: string;
  clicks: Click[];
}

/**
 * Parses an objects file: `[{"id": 1, "label": "cat", "clicks": [...]}, ...]` (or `{"objects": [...]}`),
 * each `clicks` in a form `--clicks` reads (`[{"x", "y", "positive"}]` or `{"positive": [[x, y]], "negative": [[x, y]]}`).
 */
export async function parseObjectsFile(text: string, file: string): Promise<ObjectClicks[]> {
  const { parseClicksJson } = await import('@objsel/clicks');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new CliError('usage', `${file}: not valid JSON (${(error as Error).message})`);
  }
  const list = Array.isArray(value) ? value : (value as { objects?: unknown } | null)?.objects;
  if (!Array.isArray(list) || list.length === 0)
    throw new CliError('usage', `${file}: expected a non-empty list of objects [{"id": 1, "clicks": [...]}] (or {"objects": [...]})`);
  const seen = new Set<number>();
  return list.map((item: unknown, k) => {
    const where = `${file}: objects[${k}]`;
    const o = (item ?? {}) as Record<string, unknown>;
    const id = o.id ?? k + 1;
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 1 || id > 255)
      throw new CliError('usage', `${where}.id must be an integer from 1 to 255`);
    if (seen.has(id)) throw new CliError('usage', `${where}.id ${id} is given twice`);
    seen.add(id);
    if (o.label !== undefined && typeof o.label !== 'string') throw new CliError('usage', `${where}.label must be a string`);
    const clicks = parseClicksJson(JSON.stringify(o.clicks ?? null), `${where}.clicks`);
    if (clicks.length === 0) throw new CliError('usage', `${where} has no clicks`);
    return { id, clicks, ...(o.label !== undefined ? { label: o.label as string } : {}) };
  });
}

/** Options of {@link runSelectObjects}. */
export interface SelectObjectsOptions extends PredictorOptions {
  image: string;
  /** The interactive network; runSelectObjects disposes it. */
  model: InteractiveProbabilityModel;
  objects: ObjectClicks[];
  /** The palette PNG. */
  out: string;
  /** The COCO annotations JSON. */
  coco?: string;
}

/** What `objsel select --objects` reports. */
export interface SelectObjectsResult {
  out: string;
  coco?: string;
  width: number;
  height: number;
  objects: { id: number; label?: string; clicks: number; area: number }[];
  refine: string;
  seconds: number;
}

/** Selects each object from its clicks and writes the palette PNG (and COCO annotations). */
export async function runSelectObjects(options: SelectObjectsOptions): Promise<SelectObjectsResult> {
  const { decodeImage, encodeIndexPng } = await import('@objsel/voc-data');
  const { cocoAnnotations, enforceClicks, objectIndexMap } = await import('@objsel/clicks');
  const { createInteractivePredictor } = await import('@objsel/deeplab-resnet/interactive');
  try {
    const image = await decodeImage(await readBytes(options.image), options.image);
    const { width, height } = image;
    for (const o of options.objects)
      for (const c of o.clicks)
        if (c.x >= width || c.y >= height)
          throw new CliError('usage', `object ${o.id}: click (${c.x}, ${c.y}) is outside the ${width}x${height} image`);
    const started = performance.now();
    const { atTrainedSize } = await import('./weights-metadata'); // a network trained at a model size runs at it
    const predict = createInteractivePredictor(image, options.model, await atTrainedSize(options, image));
    const masks = [];
    for (const o of options.objects) {
      const { mask } = await predict(o.clicks);
      masks.push({ id: o.id, mask: enforceClicks(mask, width, height, o.clicks), ...(o.label ? { label: o.label } : {}) });
    }
    const seconds = (performance.now() - started) / 1000;
    const result: SelectObjectsResult = {
      out: options.out,
      width,
      height,
      objects: masks.map((m, k) => ({
        id: m.id,
        ...(m.label ? { label: m.label } : {}),
        clicks: options.objects[k]!.clicks.length,
        area: m.mask.reduce((s, v) => s + v, 0),
      })),
      refine: options.refine ?? 'none',
      seconds,
    };
    const coco = options.coco ? cocoAnnotations(masks, width, height, { fileName: path.basename(options.image) }) : undefined;
    // Both files or neither: a failing second write leaves no palette PNG behind.
    await writeOutputs([
      [options.out, encodeIndexPng(objectIndexMap(masks, width, height), width, height)],
      [options.coco, coco ? `${JSON.stringify(coco)}\n` : ''],
    ]);
    if (options.coco) result.coco = options.coco;
    return result;
  } finally {
    await options.model.dispose();
  }
}

/** The objects of `--objects FILE`, read and checked. */
export async function readObjectsFile(file: string): Promise<ObjectClicks[]> {
  return parseObjectsFile(await readText(file), file);
}

/** The one-line summary of a {@link SelectObjectsResult}. */
export function formatSelectObjects(r: SelectObjectsResult, backend: string): string {
  const areas = r.objects.map((o) => `${o.id}${o.label ? ` ${o.label}` : ''}: ${o.area} px`).join(', ');
  return `${r.objects.length} object(s) (${areas}; refine ${r.refine}, ${r.seconds.toFixed(2)} s on ${backend}) -> ${r.out}${r.coco ? `, ${r.coco}` : ''}`;
}

/** `objsel select`'s flags that `--objects` reads or refuses. */
export interface RawSelectObjectsFlags extends RawSelectionFlags {
  method: string;
  weights?: string;
  click: string[];
  clicks?: string;
  box?: string;
  probs?: string;
  overlay?: string;
  out: string;
  threshold: string;
  objects?: string;
  coco?: string;
}

/** `objsel select IMAGE --objects FILE [--coco FILE]`: the command's action for several objects. */
export async function selectObjectsCommand(ctx: CliContext, image: string, flags: RawSelectObjectsFlags): Promise<void> {
  if (!flags.objects) throw new CliError('usage', '--coco needs --objects FILE (a single selection is an objects file with one entry)');
  if (flags.method !== 'network' || flags.click.length || flags.clicks || flags.box || flags.probs || flags.overlay !== undefined)
    throw new CliError(
      'usage',
      "--objects takes the network (--weights) and each object's clicks from the file: no --method, --click, --clicks, --box, --probs or --overlay",
    );
  if (!flags.weights) throw new CliError('usage', '--objects needs --weights DIR');
  assertOutputsSafe(
    [
      ['--out', flags.out],
      ['--coco', flags.coco],
    ],
    [image, flags.weights, flags.objects],
  );
  const objects = await readObjectsFile(flags.objects);
  const threshold = numberFlag('--threshold', flags.threshold, { min: 0, max: 1 });
  const { model, backend } = await openInteractiveModel(ctx, flags.weights);
  const modelLongSide = await (await import('./weights-metadata')).weightsModelLongSide(flags.weights);
  const result = await runSelectObjects({
    ...refineFromFlags(flags),
    ...(modelLongSide ? { modelLongSide } : {}),
    brs: brsFromFlags(flags),
    threshold,
    image,
    model,
    objects,
    out: flags.out,
    ...(flags.coco ? { coco: flags.coco } : {}),
  });
  ctx.result({ ...result, backend }, () => formatSelectObjects(result, backend));
}
