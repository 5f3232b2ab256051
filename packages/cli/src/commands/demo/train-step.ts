import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { DeepLabConfig } from '@objsel/deeplab-resnet';
import { nodeFileSystem } from '../../node-fs';
import { formatTrainSummary } from '../../run-training';
import { withStagedOutputs } from '../../staged-outputs';
import { DEMO_TRAINING } from './settings';
import type { DemoStep } from './state';

/** Step 3: train the reduced DeepLab from scratch, as `objsel train --from-scratch` would. */
export const trainStep: DemoStep = {
  name: 'train',
  async run(state) {
    const { options, ctx } = state;
    state.backend = await ctx.useBackend();
    const { train } = await import('@objsel/deeplab-resnet/train');
    const t = DEMO_TRAINING;
    const numClasses = state.numClasses!;
    const snapshotDir = path.join(options.out, 'snapshots');
    await fs.rm(snapshotDir, { recursive: true, force: true });
    const model: DeepLabConfig = { ...t.model, blocks: [...t.model.blocks], asppRates: [...t.model.asppRates], numClasses };
    // As `objsel train`: a killed or failed run leaves no temporaries in the snapshot directory.
    const summary = await withStagedOutputs([snapshotDir], async (out) => {
      await out.mkdir(snapshotDir, { discardUnless: 'checkpoint.json' });
      return train({
        fs: nodeFileSystem,
        mode: 'train',
        dataDir: state.dataDir!,
        dataList: path.join(state.dataDir!, 'train.txt'),
        model,
        snapshotDir,
        batchSize: t.batchSize,
        inputSize: [t.crop, t.crop],
        randomMirror: true,
        randomScale: false,
        randomSeed: options.seed,
        savePredEvery: 50,
        saveNumImages: 2,
        trainer: {
          numClasses,
          numSteps: options.steps ?? t.steps,
          learningRate: t.learningRate,
          momentum: t.momentum,
          weightDecay: t.weightDecay,
          trainBatchNorm: true,
          bnDecay: t.bnDecay,
        },
        onProgress: ctx.onProgress,
        onInfo: (m) => ctx.info(m),
      });
    });
    const { network, ...rest } = summary;
    state.network = network;
    state.training = rest;
    return {
      result: { ...rest, snapshotDir, backend: state.backend, model: { ...model, parameters: network.parameterCount() } },
      human: `${formatTrainSummary(rest, snapshotDir)}\nbackend ${state.backend}, ${network.parameterCount().toLocaleString('en-US')} parameters`,
    };
  },
};
