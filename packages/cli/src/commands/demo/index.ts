import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import type { CliContext } from '../../context';
import { CliError } from '../../errors';
import { withExamples } from '../../examples';
import { numberFlag } from '../../flags';
import { defaultPrototxt } from './fixtures';
import { runDemo } from './run';
import { DEMO_DATASET, DEMO_TRAINING } from './settings';
import type { DemoOptions } from './state';

/** `objsel demo`: the end-to-end walk-through on synthetic weights. */
export function registerDemo(program: Command, context: () => CliContext): void {
  const cmd = program
    .command('demo')
    .description(
      'end-to-end demo: convert the real DeepLab-ResNet-101 deploy.prototxt with seeded random Caffe weights, make a synthetic VOC dataset, train a reduced DeepLab from scratch, evaluate, write masks and summary.json',
    )
    .option('--out <dir>', 'output directory', 'demo-output')
    .option('--prototxt <file>', 'DeepLab-ResNet-101 deploy.prototxt (default: ../shared/fixtures/deeplab/deploy.prototxt)')
    .option('--seed <n>', 'seed of the random weights, the synthetic data and the training', '1234')
    .option('--steps <n>', `training updates of the reduced DeepLab (default ${DEMO_TRAINING.steps})`)
    .option('--images <n>', `synthetic images, train + val (default ${DEMO_DATASET.count})`)
    .option('--photo <file>', 'a real photo to mask at the end (default ../shared/fixtures/deeplab/2007_000129.jpg)')
    .action(async (opts: { out: string; prototxt?: string; seed: string; steps?: string; images?: string; photo?: string }) => {
      const ctx = context();
      const seed = numberFlag('--seed', opts.seed, { integer: true });
      const prototxt = opts.prototxt ?? defaultPrototxt();
      if (!existsSync(prototxt))
        throw new CliError('io', 'deploy.prototxt not found (pass --prototxt or set OBJSEL_FIXTURES)', { file: prototxt });
      const options: DemoOptions = { out: opts.out, prototxt, seed };
      if (opts.steps !== undefined) options.steps = numberFlag('--steps', opts.steps, { integer: true, min: 1 });
      if (opts.images !== undefined) options.images = numberFlag('--images', opts.images, { integer: true, min: 2 });
      if (opts.photo !== undefined) options.photo = opts.photo;
      const results = await runDemo(options, ctx);
      const summary = results.summary as { miou: number | null; seconds: number; steps: number | null; backend: string | null };
      ctx.result(
        { out: opts.out, ...summary, results },
        () =>
          `demo finished in ${summary.seconds.toFixed(1)} s: mean IoU ${summary.miou === null ? 'n/a' : summary.miou.toFixed(3)} after ${summary.steps} updates on ${summary.backend}; outputs in ${opts.out}/ (summary.json, masks/, snapshots/)`,
      );
    });
  withExamples(cmd, [
    'objsel demo',
    'objsel demo --out /tmp/demo --seed 7 --json',
    'npm run demo   # from the repository root: build, then this',
  ]);
}
