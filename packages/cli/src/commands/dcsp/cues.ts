import type { Command } from 'commander';
import type { CliContext } from '../../context';
import { withExamples } from '../../examples';
import { cuesJob } from '../../jobs/cues-job';
import { addCuesOptions, type CuesFlags, cuesSettings } from '../../jobs/cues-plan';
import { runJob } from '../../jobs/run-job';
import { addShardFlag, shardFromFlag } from '../../jobs/shard';

/** `objsel dcsp cues`: one image's DCSP cues, or a cue list's. */
export function registerDcspCues(dcsp: Command, context: () => CliContext): void {
  const base = dcsp
    .command('cues')
    .description(
      'DCSP cues of one image (or of each line of a cue list): per-class min-max normalised attention, masked by the tags, harmonic mean with saliency, background below the threshold, argmax; writes a VOC-palette index PNG',
    );
  const cues = addShardFlag(addCuesOptions(base));
  cues.action(async (flags: CuesFlags & { shard?: string }) => {
    const ctx = context();
    const { settings, listItems } = cuesSettings(flags);
    await runJob(ctx, cuesJob, settings, listItems, shardFromFlag(flags.shard));
  });
  withExamples(cues, [
    'objsel dcsp cues --image I.jpg --attention A.npy --saliency S.png --tags 3,15 --out CUES.png',
    'objsel dcsp cues --image I.jpg --attention A.npy --saliency S.npy --tags person --out cues.png --json',
    'objsel dcsp cues --data-dir VOCdevkit --data-list train_attn_sal_labels.txt --save-dir cues   # <id>.png per line',
    'objsel dcsp cues --data-dir VOCdevkit --data-list train_attn_sal_labels.txt --save-dir cues --shard 1/4   # one of 4 machines',
  ]);
}
