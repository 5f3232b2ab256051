import path from 'node:path';
import type { DcspDemoOptions } from '@objsel/dcsp';
import { withStagedOutputs } from '../../staged-outputs';
import type { DemoStep } from './state';

/**
 * The demo's DCSP step: `runDcspDemo` on synthetic data (tags and
 * saliency from voc-data's maker, ground truth only for scoring), then `dcsp/<name>.png` strips
 * of image | ground truth | initial cues | prediction for three training images.
 */
export const dcspDemoStep: DemoStep = makeDcspDemoStep();

/** {@link dcspDemoStep} with other sizes (tests use tiny ones). */
export function makeDcspDemoStep(overrides: Partial<DcspDemoOptions> = {}): DemoStep {
  return {
    name: 'dcsp',
    async run(state) {
      const { ctx, options } = state;
      const backend = await ctx.useBackend();
      const { previewStrip, runDcspDemo } = await import('@objsel/dcsp');
      const { encodePng } = await import('@objsel/voc-data');
      const summary = await runDcspDemo({ seed: options.seed, previews: 3, onProgress: ctx.onProgress, ...overrides });
      const dir = path.join(options.out, 'dcsp');
      const strips = await withStagedOutputs([dir], async (out) => {
        const files: string[] = [];
        for (const p of summary.previews ?? []) {
          const strip = previewStrip(p);
          const file = path.join(dir, `${p.name}.png`);
          await out.write(file, encodePng({ ...strip, channels: 3 }));
          files.push(file);
        }
        return files;
      });
      const { previews: _previews, ...result } = summary;
      const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
      return {
        result: { ...result, backend, strips },
        human: [
          `DCSP from image tags + saliency (${summary.images.train} training images, ${summary.stages.map((s) => `${s.stage} ${s.steps}`).join(', ')} updates):`,
          `  mean IoU of the initial cues ${pct(summary.initialCueMiou)}, adapted cues ${pct(summary.adaptedCueMiou)}`,
          `  segmentation network ${pct(summary.trainMiou)}${summary.crf ? ' with CRF' : ''} (${pct(summary.trainMiouNoCrf)} without) on the same images, ${pct(summary.valMiou)} on ${summary.images.val} held-out images`,
          `  ${summary.beatsInitialCues ? 'the network beats its own initial cues' : 'the network does NOT beat its initial cues'}; strips (image | truth | cues | prediction): ${dir}/`,
        ].join('\n'),
      };
    },
  };
}
