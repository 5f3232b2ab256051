import { promises as fs } from 'node:fs';
import path from 'node:path';
import { withStagedOutputs } from '../../staged-outputs';
import { DEMO_DATASET } from './settings';
import type { DemoStep } from './state';

/** Step 2: a synthetic VOC-format dataset (JPEGImages, SegmentationClassAug, lists) by @objsel/voc-data. */
export const dataStep: DemoStep = {
  name: 'data',
  async run(state) {
    const { options, ctx } = state;
    const { makeSyntheticDataset } = await import('@objsel/voc-data');
    const dataDir = path.join(options.out, 'data');
    await fs.rm(dataDir, { recursive: true, force: true });
    const d = DEMO_DATASET;
    // The dataset appears whole when complete (a killed run leaves none; the next one starts over).
    const summary = await withStagedOutputs([dataDir], (out) =>
      makeSyntheticDataset(
        {
          count: options.images ?? d.count,
          seed: options.seed,
          width: d.size,
          height: d.size,
          classes: d.classes,
          minSize: d.minSize,
          maxSize: d.maxSize,
          valFraction: d.valFraction,
          sbd: false,
        },
        out.writer(dataDir),
        ctx.onProgress,
      ),
    );
    state.dataDir = dataDir;
    state.numClasses = summary.numClasses;
    return {
      result: {
        dataDir,
        count: summary.count,
        train: summary.train,
        val: summary.val,
        numClasses: summary.numClasses,
        classes: summary.classes,
        size: d.size,
      },
      human: `wrote ${summary.count} synthetic ${d.size}x${d.size} images (${summary.train} train, ${summary.val} val; classes ${summary.classes.join(', ')}) to ${dataDir}`,
    };
  },
};
