/**
 * The click flag of `objsel select` and `noc`. The model side of a selection is
 * `@objsel/deeplab-resnet/interactive`; training data is its `interactiveTrainingData`.
 */
import type { Click } from '@objsel/clicks';
import { CliError } from '../errors';

/** Parses `X,Y,+` / `X,Y,-` (also `pos`/`neg`, `1`/`0`). */
export function parseClickFlag(value: string): Click {
  const m = /^\s*(\d+)\s*,\s*(\d+)\s*,\s*(\+|-|pos|neg|positive|negative|1|0)\s*$/i.exec(value);
  if (!m) throw new CliError('usage', `--click takes X,Y,+ or X,Y,- (pixel column, row, kind), got '${value}'`);
  const kind = m[3]!.toLowerCase();
  return { x: Number(m[1]), y: Number(m[2]), positive: kind === '+' || kind === 'pos' || kind === 'positive' || kind === '1' };
}
