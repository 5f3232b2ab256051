/**
 * `POST /cvat/interactor`: CVAT's serverless interactor contract, as its f-BRS and RITM functions
 * answer it — request `{image: base64, pos_points: [[x, y]], neg_points: [[x, y]], threshold}`,
 * response `{mask: rows of 0/1, points: [[x, y]]}` with `points` the largest outer contour (and
 * objsel's `warnings`, which CVAT ignores). CVAT ≥ 2.x sends `obj_bbox` and no `threshold`.
 */
import { maskPolygons } from '@objsel/clicks';
import { HttpError } from '../http-json';
import { optionalNumber, pointsField, stringField } from '../request-fields';
import type { Selector } from '../selector';

export async function cvatInteractor(body: Record<string, unknown>, selector: Selector): Promise<Record<string, unknown>> {
  const { image, imageId } = await selector.imageFromBase64(stringField(body, 'image'), 'image');
  const clicks = [...pointsField(body, 'pos_points', true), ...pointsField(body, 'neg_points', false)];
  if (!clicks.some((c) => c.positive)) throw new HttpError(400, 'pos_points must hold at least one [x, y]');
  const threshold = optionalNumber(body, 'threshold', 0, 1);
  const { mask, warnings } = await selector.select(image, imageId, clicks, threshold === undefined ? {} : { threshold });
  const { width, height } = image;
  const rows: number[][] = [];
  for (let y = 0; y < height; y++) rows.push(Array.from(mask.subarray(y * width, (y + 1) * width)));
  const largest = maskPolygons(mask, width, height, { tolerance: 0.5 })[0] ?? [];
  const points: number[][] = [];
  for (let i = 0; i < largest.length; i += 2) points.push([largest[i]!, largest[i + 1]!]);
  return { mask: rows, points, warnings };
}
