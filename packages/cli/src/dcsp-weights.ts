/**
 * DCSP's networks from flags: the one `dcsp train` starts from (restored, with a fresh attention
 * head if it has none, or from scratch) and the one `dcsp evaluate` / `test-voc` load.
 */
import type { DcspNetwork } from '@objsel/dcsp';
import type { CliContext } from './context';
import { CliError } from './errors';
import { depthFlag, listFlag, numberFlag } from './flags';
import { nodeFileSystem } from './node-fs';
import { bnEpsilonFlag, type RawScratchFlags } from './train-flags';

/** The network flags of `dcsp train` as commander gives them. */
export interface DcspNetworkFlags extends RawScratchFlags {
  restoreFrom: string;
  fromScratch?: boolean;
  notRestoreLast?: boolean;
  numClasses: string;
  bnEpsilon?: string;
  randomSeed: string;
}

/** The network to train: restored (`--restore-from`, a fresh attention head if it has none) or from scratch. */
export async function dcspNetworkFromFlags(ctx: CliContext, flags: DcspNetworkFlags): Promise<{ network: DcspNetwork; source: string }> {
  const { DcspNetwork, loadDcspNetwork } = await import('@objsel/dcsp');
  const { resnetConfig } = await import('@objsel/deeplab-resnet');
  const seed = numberFlag('--random-seed', flags.randomSeed, { integer: true });
  const bnEpsilon = bnEpsilonFlag(flags.bnEpsilon);
  if (flags.fromScratch) {
    const { depth } = depthFlag(flags.depth);
    const config = resnetConfig(depth, {
      numClasses: numberFlag('--num-classes', flags.numClasses, { integer: true, min: 2 }),
      widthMultiplier: numberFlag('--width-multiplier', flags.widthMultiplier, { min: 0, minExclusive: true }),
      ...(flags.blocks ? { blocks: listFlag('--blocks', flags.blocks, { integer: true, length: 4 }) } : {}),
      ...(flags.asppRates ? { asppRates: listFlag('--aspp-rates', flags.asppRates, { integer: true }) } : {}),
      ...(bnEpsilon === undefined ? {} : { bnEpsilon }),
    });
    return { network: DcspNetwork.create(config, { seed }), source: 'from scratch' };
  }
  const n = numberFlag('--num-classes', flags.numClasses, { integer: true, min: 2 });
  const { network, weightsDir } = await loadDcspNetwork(nodeFileSystem, flags.restoreFrom, {
    seed,
    notRestoreLast: flags.notRestoreLast === true,
    numClasses: n,
    ...(bnEpsilon === undefined ? {} : { bnEpsilon }),
  });
  if (n !== network.numClasses && !flags.notRestoreLast) {
    network.dispose();
    throw new CliError(
      'usage',
      `--num-classes ${n} does not match the weights (${network.numClasses} classes); add --not-restore-last to re-initialise fc*`,
    );
  }
  ctx.info(`restored ${weightsDir}`);
  return { network, source: weightsDir };
}

/** The trained network `dcsp evaluate` and `test-voc` read (`--restore-from`, `--bn-epsilon`), after loading the backend. */
export async function loadDcspForEvaluation(
  ctx: CliContext,
  flags: { restoreFrom: string; bnEpsilon?: string },
): Promise<{ network: DcspNetwork; weightsDir: string; backend: string }> {
  const backend = await ctx.useBackend();
  const { loadDcspNetwork } = await import('@objsel/dcsp');
  const bnEpsilon = bnEpsilonFlag(flags.bnEpsilon);
  const loaded = await loadDcspNetwork(nodeFileSystem, flags.restoreFrom, bnEpsilon === undefined ? {} : { bnEpsilon });
  return { ...loaded, backend };
}
