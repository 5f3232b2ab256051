import { nextClick, objectTruth, type Click } from '@objsel/clicks';
import { decodeLabel } from '@objsel/voc-data';
import type { Command } from 'commander';
import type { CliContext } from '../../context';
import { CliError } from '../../errors';
import { withExamples } from '../../examples';
import { numberParser } from '../../flags';
import { readBytes } from '../../node-fs';

/** Options of `objsel clicks next`. */
export interface ClicksNextOptions {
  gt: string;
  pred: string;
  object?: number;
}

/**
 * Runs `objsel clicks next`: the robot's next click for a ground truth and a prediction, or
 * null when the prediction is already exact. With `--object K` the ground truth is an instance
 * or class label (object = K, 255 = void, ignored); without it any non-zero pixel is object.
 */
export async function runClicksNext(options: ClicksNextOptions): Promise<Click | null> {
  const gtLabel = decodeLabel(await readBytes(options.gt), options.gt);
  const pred = decodeLabel(await readBytes(options.pred), options.pred);
  if (pred.width !== gtLabel.width || pred.height !== gtLabel.height) {
    throw new CliError('usage', `prediction is ${pred.width}x${pred.height}, ground truth ${gtLabel.width}x${gtLabel.height}`, {
      file: options.pred,
    });
  }
  if (options.object === undefined) return nextClick(gtLabel.data, pred.data, gtLabel.width, gtLabel.height);
  const { gt, ignore } = objectTruth(gtLabel.data, options.object);
  return nextClick(gt, pred.data, gtLabel.width, gtLabel.height, { ignore });
}

/** `objsel clicks next`. */
export function registerClicksNext(group: Command, context: () => CliContext): void {
  const next = group
    .command('next')
    .description('the click robot (RITM protocol): the error pixel farthest from correct pixels and the border, as JSON {x, y, positive}')
    .requiredOption('--gt <file>', 'ground-truth PNG (non-zero = object; or a label with --object)')
    .requiredOption('--pred <file>', 'prediction PNG (non-zero = selected)')
    .option(
      '--object <k>',
      'the ground truth is a label image: object = value k (1..254), 255 = void (ignored)',
      numberParser('--object', { integer: true, min: 1, max: 254 }),
    )
    .action(async (opts: ClicksNextOptions) => {
      const ctx = context();
      const click = await runClicksNext(opts);
      ctx.result(click ? { ...click } : { x: null, y: null, positive: null }, () => JSON.stringify(click));
    });
  withExamples(next, [
    'objsel clicks next --gt gt.png --pred pred.png',
    'objsel clicks next --gt SegmentationObject/2007_000032.png --object 1 --pred pred.png',
  ]);
}
