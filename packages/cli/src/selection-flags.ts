/**
 * The selection flags shared by `objsel select` and `noc`: `--refine` with its graph-cut and CRF
 * settings, f-BRS, and the click-map scale.
 */
import type { BrsOptions, PredictorOptions, RefineMode } from '@objsel/deeplab-resnet/interactive';
import type { Command } from 'commander';
import { choiceFlag, numberChoiceFlag, numberFlag } from './flags';

/** The selection flags as commander gives them. */
export interface RawSelectionFlags {
  refine: string;
  lambda?: string;
  sigma?: string;
  connectivity?: string;
  crfPreset?: string;
  brs?: boolean;
  brsSteps?: string;
  brsLr?: string;
  brsRadius?: string;
  clickScale?: string;
}

/** Parses the BRS flags into options (undefined without `--brs`). */
export function brsFromFlags(flags: RawSelectionFlags): BrsOptions | undefined {
  if (!flags.brs) return undefined;
  const o: BrsOptions = {};
  if (flags.brsSteps !== undefined) o.steps = numberFlag('--brs-steps', flags.brsSteps, { integer: true, min: 0, max: 1000 });
  if (flags.brsLr !== undefined) o.learningRate = numberFlag('--brs-lr', flags.brsLr, { min: 0, minExclusive: true, max: 1000 });
  if (flags.brsRadius !== undefined) o.radius = numberFlag('--brs-radius', flags.brsRadius, { min: 0, max: 65536 });
  return o;
}

/** Parses `--refine` and the graph-cut flags. */
export function refineFromFlags(flags: RawSelectionFlags): Omit<PredictorOptions, 'brs'> {
  const refine = choiceFlag<RefineMode>('--refine', flags.refine, ['none', 'graphcut', 'crf']);
  const graphCut: NonNullable<PredictorOptions['graphCut']> = {};
  if (flags.lambda !== undefined) graphCut.lambda = numberFlag('--lambda', flags.lambda, { min: 0, max: 1e6 });
  if (flags.sigma !== undefined) graphCut.sigma = numberFlag('--sigma', flags.sigma, { min: 0, minExclusive: true, max: 1e6 });
  if (flags.connectivity !== undefined) graphCut.connectivity = numberChoiceFlag('--connectivity', flags.connectivity, [4, 8] as const);
  return {
    refine,
    graphCut,
    ...(flags.crfPreset ? { crfPreset: flags.crfPreset } : {}),
    ...(flags.clickScale !== undefined
      ? { clickScale: numberFlag('--click-scale', flags.clickScale, { min: 0, minExclusive: true, max: 1000 }) }
      : {}),
  };
}

/** Adds `--refine`, graph-cut, CRF, BRS and click-scale flags (shared by `select` and `noc`). */
export function addRefineFlags(cmd: Command, defaultRefine: string): Command {
  return cmd
    .option(
      '--refine <mode>',
      'none (threshold 0.5), graphcut (exact min cut, clicks as hard constraints) or crf (dense CRF)',
      defaultRefine,
    )
    .option('--lambda <l>', 'graph-cut smoothness weight (clicks package default 5)')
    .option('--sigma <s>', 'graph-cut colour scale (default: RMS neighbour colour difference)')
    .option('--connectivity <n>', 'graph-cut neighbourhood, 4 or 8', '4')
    .option('--crf-preset <name>', 'dense-CRF parameters for --refine crf', 'deeplab-v2')
    .option(
      '--brs',
      'f-BRS: at each click optimise a per-channel scale and bias of the backbone features so the clicked pixels take their labels',
    )
    .option('--brs-steps <n>', 'most f-BRS optimisation steps per click (default 20)')
    .option('--brs-lr <lr>', 'f-BRS Adam step size (default 0.05)')
    .option('--brs-radius <px>', 'pixels this close to a click must take its label (default 5)')
    .option('--click-scale <k>', 'distance-map scale the network was trained with (default 1)');
}
