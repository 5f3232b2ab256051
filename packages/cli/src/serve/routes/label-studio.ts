/**
 * Label Studio's ML backend contract: `GET /health`, `POST /setup` and `POST /predict`, the last
 * answering `brushlabels` in Label Studio's RLE for the keypoints the annotator placed (the
 * `context` of an interactive request: percentages of the image, `is_positive` per keypoint).
 */
import { encodeBrushRle, type Click } from '@objsel/clicks';
import { HttpError } from '../http-json';
import type { Selector } from '../selector';

export const LABEL_STUDIO_MODEL_VERSION = 'objsel-interactive';

/** The first `<BrushLabels name=… toName=…>` of a labeling config. */
function brushTag(config: unknown): { fromName: string; toName: string } {
  const tag = typeof config === 'string' ? /<BrushLabels\b[^>]*>/i.exec(config)?.[0] : undefined;
  const attribute = (name: string) => (tag ? new RegExp(`\\b${name}="([^"]*)"`).exec(tag)?.[1] : undefined);
  return { fromName: attribute('name') ?? 'tag', toName: attribute('toName') ?? 'image' };
}

/** The image of a task: a data URI, an http(s) URL, or a path under LABEL_STUDIO_URL (with LABEL_STUDIO_API_KEY). */
async function taskImage(task: Record<string, unknown>, selector: Selector, maxBytes: number) {
  const data = (task.data ?? {}) as Record<string, unknown>;
  const url = Object.values(data).find((v): v is string => typeof v === 'string' && /^(data:image\/|https?:\/\/|\/)/.test(v));
  if (!url) throw new HttpError(400, 'the task has no image (a data: URI or URL in task.data)');
  if (url.startsWith('data:')) return selector.imageFromBase64(url, 'task.data');
  const base = process.env.LABEL_STUDIO_URL;
  if (url.startsWith('/') && !base)
    throw new HttpError(400, `${url} is relative to Label Studio: set LABEL_STUDIO_URL (and LABEL_STUDIO_API_KEY)`);
  const absolute = url.startsWith('/') ? new URL(url, base).href : url;
  const key = process.env.LABEL_STUDIO_API_KEY;
  let response: Response;
  try {
    response = await fetch(absolute, key ? { headers: { authorization: `Token ${key}` } } : {});
  } catch (error) {
    throw new HttpError(502, `could not fetch ${absolute}: ${(error as Error).message}`);
  }
  if (!response.ok) throw new HttpError(502, `fetching ${absolute} gave HTTP ${response.status}`);
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (bytes.length > maxBytes) throw new HttpError(413, `${absolute} is over the ${maxBytes}-byte limit`);
  return selector.imageFromBytes(bytes, absolute);
}

/**
 * The pixel holding a coordinate in percent of the image. A millionth of a pixel of slack: a
 * keypoint on a pixel's left or top edge (k / width * 100) comes back as k, not k - 1, after the
 * round trip through floating point.
 */
function percentToPixel(percent: number, size: number): number {
  return Math.min(size - 1, Math.floor((percent / 100) * size + 1e-6));
}

/** The keypoints of the context, in pixels of an image of `width` x `height`, and their label. */
function contextClicks(context: unknown, width: number, height: number): { clicks: Click[]; label: string | undefined } {
  const results = (context as { result?: unknown } | undefined)?.result;
  if (!Array.isArray(results)) throw new HttpError(400, 'params.context.result must list the keypoints');
  const clicks: Click[] = [];
  let label: string | undefined;
  results.forEach((r: unknown, i) => {
    const item = (r ?? {}) as Record<string, unknown>;
    if (item.type !== 'keypointlabels') return;
    const value = (item.value ?? {}) as Record<string, unknown>;
    if (typeof value.x !== 'number' || typeof value.y !== 'number' || !Number.isFinite(value.x) || !Number.isFinite(value.y))
      throw new HttpError(400, `context.result[${i}].value needs x and y (percent)`);
    if (value.x < 0 || value.x > 100 || value.y < 0 || value.y > 100)
      throw new HttpError(400, `context.result[${i}] (${value.x}%, ${value.y}%) is outside the image (0-100%)`);
    clicks.push({
      x: percentToPixel(value.x, width),
      y: percentToPixel(value.y, height),
      positive: item.is_positive === undefined ? true : Boolean(item.is_positive),
    });
    const labels = value.keypointlabels;
    if (label === undefined && Array.isArray(labels) && typeof labels[0] === 'string') label = labels[0];
  });
  if (clicks.length === 0) throw new HttpError(400, 'the context has no keypointlabels');
  return { clicks, label };
}

/** `POST /predict`: one prediction per task (Label Studio sends one task for an interactive request). */
export async function labelStudioPredict(
  body: Record<string, unknown>,
  selector: Selector,
  maxBytes: number,
): Promise<Record<string, unknown>> {
  const tasks = body.tasks;
  if (!Array.isArray(tasks) || tasks.length === 0) throw new HttpError(400, 'tasks must be a non-empty array');
  const params = (body.params ?? {}) as Record<string, unknown>;
  const context = params.context ?? body.context;
  if (!context) return { results: [] }; // a batch pre-annotation request: nothing to select without clicks
  const { fromName, toName } = brushTag(body.label_config);
  const results = [];
  const warnings: string[] = [];
  for (const task of tasks) {
    const { image, imageId } = await taskImage((task ?? {}) as Record<string, unknown>, selector, maxBytes);
    const { clicks, label } = contextClicks(context, image.width, image.height);
    const selection = await selector.select(image, imageId, clicks);
    const { mask } = selection;
    warnings.push(...selection.warnings);
    results.push({
      model_version: LABEL_STUDIO_MODEL_VERSION,
      score: 1,
      result: [
        {
          from_name: fromName,
          to_name: toName,
          type: 'brushlabels',
          original_width: image.width,
          original_height: image.height,
          image_rotation: 0,
          readonly: false,
          value: { format: 'rle', rle: encodeBrushRle(mask, image.width, image.height), brushlabels: label ? [label] : [] },
        },
      ],
    });
  }
  // Label Studio reads `results`; the warnings are for people and logs watching the backend.
  return { results, warnings };
}
