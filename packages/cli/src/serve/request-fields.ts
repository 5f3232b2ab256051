/** Checks of request fields that answer 400 with the field's name (bodies come from anyone). */
import type { Click } from '@objsel/clicks';
import { HttpError } from './http-json';

export function stringField(body: Record<string, unknown>, name: string): string {
  const value = body[name];
  if (typeof value !== 'string' || value.length === 0) throw new HttpError(400, `${name} must be a non-empty string`);
  return value;
}

export function optionalNumber(body: Record<string, unknown>, name: string, min: number, max: number): number | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max)
    throw new HttpError(400, `${name} must be a number from ${min} to ${max}`);
  return value;
}

/** A pixel coordinate: rounded down, as a click lands in the pixel that contains it. */
function coordinate(value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new HttpError(400, `${where} must be a number`);
  return Math.floor(value);
}

/** `[{x, y, positive}]`. */
export function clicksField(body: Record<string, unknown>, name: string): Click[] {
  const value = body[name];
  if (!Array.isArray(value)) throw new HttpError(400, `${name} must be an array of {x, y, positive}`);
  return value.map((c: unknown, i) => {
    if (typeof c !== 'object' || c === null) throw new HttpError(400, `${name}[${i}] must be {x, y, positive}`);
    const click = c as Record<string, unknown>;
    if (typeof click.positive !== 'boolean') throw new HttpError(400, `${name}[${i}].positive must be true or false`);
    return { x: coordinate(click.x, `${name}[${i}].x`), y: coordinate(click.y, `${name}[${i}].y`), positive: click.positive };
  });
}

/** `[[x, y], …]` (CVAT's pos_points / neg_points). */
export function pointsField(body: Record<string, unknown>, name: string, positive: boolean): Click[] {
  const value = body[name] ?? [];
  if (!Array.isArray(value)) throw new HttpError(400, `${name} must be an array of [x, y]`);
  return value.map((p: unknown, i) => {
    if (!Array.isArray(p) || p.length < 2) throw new HttpError(400, `${name}[${i}] must be [x, y]`);
    return { x: coordinate(p[0], `${name}[${i}][0]`), y: coordinate(p[1], `${name}[${i}][1]`), positive };
  });
}
