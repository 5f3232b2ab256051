/**
 * DCSP's networks from flags: the one `dcsp train` starts from (restored, with a fresh attention
 * head if it has none, or from scratch) and the one `dcsp evaluate` / `test-voc` load.
 */
import type { DcspNetwork } from '@objsel/dcsp';
import type { CliContext } from './context';
import { CliError } from './errors';
import { depthFlag, listFlag, numberFlag } from './flags';
import { nodeFileSystem } from './node-fs';
import { bnEpsilonFlag, type RawScratchFlags, widthMultiplierFlag } from './train-flags';

/** The network flags of `dcsp train` as commander gives them. */
export interface DcspNetworkFlags extends RawScratchFlags {
  restoreFrom: string;
  fromScratch?: boolean;
  notRestoreLast?: boolean;
  numClasses: string;
  bnEpsilon?: string;
  randomSeed: string;
}

/**
 * The numbers among the network flags, checked (all of them, also those only --from-scratch
 * reads): `dcsp train` calls this before it reads any list or weights.
 */
export function dcspNetworkNumbers(flags: DcspNetworkFlags) {
  return {
    seed: numberFlag('--random-seed', flags.randomSeed, { integer: true, min: -(2 ** 31), max: 2 ** 32 - 1 }),
    bnEpsilon: bnEpsilonFlag(flags.bnEpsilon),
    numClasses: numberFlag('--num-classes', flags.numClasses, { integer: true, min: 2, max: 256 }),
    depth: depthFlag(flags.depth).depth,
    widthMultiplier: widthMultiplierFlag(flags.widthMultiplier),
  };
}

/** The network to train: restored (`--restore-from`, a fresh attention head if it has none) or from scratch. */
export async function dcspNetworkFromFlags(ctx: CliContext, flags: DcspNetworkFlags): Promise<{ network: DcspNetwork; source: string }> {
  const { seed, bnEpsilon, numClasses: n, depth, widthMultiplier } = dcspNetworkNumbers(flags);
  const { DcspNetwork, loadDcspNetwork } = await import('@objsel/dcsp');
  const { resnetConfig } = await import('@objsel/deeplab-resnet');
  if (flags.fromScratch) {
    const config = resnetConfig(depth, {
      numClasses: n,
      widthMultiplier,
      ...(flags.blocks ? { blocks: listFlag('--blocks', flags.blocks, { integer: true, length: 4 }) } : {}),
      ...(flags.asppRates ? { asppRates: listFlag('--aspp-rates', flags.asppRates, { integer: true }) } : {}),
      ...(bnEpsilon === undefined ? {} : { bnEpsilon }),
    });
    return { network: DcspNetwork.create(config, { seed }), source: 'from scratch' };
  }
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

/**
 * The trained network `dcsp evaluate` and `test-voc` read (`--restore-from`, `bnEpsilon` from
 * {@link bnEpsilonFlag}, checked before any input is read), after loading the backend.
 */
export async function loadDcspForEvaluation(
  ctx: CliContext,
  restoreFrom: string,
  bnEpsilon: number | undefined,
): Promise<{ network: DcspNetwork; weightsDir: string; backend: string }> {
  const backend = await ctx.useBackend();
  const { loadDcspNetwork } = await import('@objsel/dcsp');
  const loaded = await loadDcspNetwork(nodeFileSystem, restoreFrom, bnEpsilon === undefined ? {} : { bnEpsilon });
  return { ...loaded, backend };
}
