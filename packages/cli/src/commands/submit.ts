import type { Command } from 'commander';
import type { CliContext } from '../context';
import { CliError } from '../errors';
import { withExamples } from '../examples';
import { crfRefinerFromFlag } from '../crf-refiner';
import { addCrfOptions, type CrfFlags, crfPlan } from '../jobs/crf-plan';
import { addCuesOptions, type CuesFlags, cuesSettings } from '../jobs/cues-plan';
import { addEvaluateOptions, type EvaluateFlags, evaluateItems, evaluateSettings } from '../jobs/evaluate-plan';
import { addInferOptions, type InferFlags, inferPlan } from '../jobs/infer-plan';
import { addNocOptions, nocItems, nocSettings, type RawNocFlags } from '../jobs/noc-plan';
import { makePlan } from '../jobs/plan';
import { addSubmitFlags, type SubmitFlags, submitRedis } from '../jobs/queue-flags';

/** `objsel submit <command>`: a run of infer or evaluate on a BullMQ/Redis queue, followed to its result. */
export function registerSubmit(program: Command, context: () => CliContext): void {
  const submit = program
    .command('submit')
    .description(
      'run infer, evaluate, noc, crf or dcsp cues as jobs on a Redis queue for objsel worker processes on any number of machines; prints the same result as the command',
    )
    .option('--redis <url>', 'the Redis every worker and submitter shares, redis://HOST:PORT[/DB] (required)')
    .option('--queue <name>', 'the BullMQ queue name', 'objsel')
    .option('--retry-failed <run>', 'queue the failed items of a finished run directory again')
    .action(async (flags: { retryFailed?: string; redis?: string; queue: string }) => {
      if (!flags.retryFailed)
        throw new CliError('usage', 'name the command to submit (objsel submit infer ...) or give --retry-failed RUN');
      const redis = submitRedis(flags);
      const { retryFailed } = await import('../jobs/submit');
      await retryFailed(context(), flags.retryFailed, { redis, queue: flags.queue, runs: '.' });
    });

  const infer = addSubmitFlags(
    addInferOptions(submit.command('infer').description('objsel infer as queue jobs: the same flags, outputs and result')),
  );
  infer.action(async (positionals: string[], _flags: unknown, self: Command) => {
    const flags = self.optsWithGlobals<InferFlags & SubmitFlags>();
    flags.redis = submitRedis(flags);
    const { settings, items } = inferPlan(positionals, flags);
    await crfRefinerFromFlag(settings.crf);
    const { submitRun } = await import('../jobs/submit');
    const { inferJob } = await import('../jobs/infer-job');
    const abs = inferJob.absolutePaths(settings, items, process.cwd());
    await submitRun(context(), makePlan('infer', abs.settings, abs.items, flags), flags);
  });
  withExamples(infer, [
    'objsel submit infer photos/*.jpg --weights deeplab_resnet --save-dir /shared/masks --redis redis://queue:6379 --chunk 16',
    'objsel submit infer photos/*.jpg --weights deeplab_resnet --redis redis://127.0.0.1:6379 --detach',
  ]);

  const evaluate = addSubmitFlags(
    addEvaluateOptions(
      submit.command('evaluate').description('objsel evaluate as queue jobs: confusion matrices summed, the same mean IoU'),
    ),
  );
  evaluate.action(async (_flags: unknown, self: Command) => {
    const flags = self.optsWithGlobals<EvaluateFlags & SubmitFlags>();
    flags.redis = submitRedis(flags);
    const { settings, numSteps } = evaluateSettings(flags);
    await crfRefinerFromFlag(settings.crf);
    const items = await evaluateItems(flags, numSteps);
    const { submitRun } = await import('../jobs/submit');
    const { evaluateJob } = await import('../jobs/evaluate-job');
    const abs = evaluateJob.absolutePaths(settings, items, process.cwd());
    await submitRun(context(), makePlan('evaluate', abs.settings, abs.items, flags), flags);
  });
  withExamples(evaluate, [
    'objsel submit evaluate --data-dir /shared/VOC2012 --data-list /shared/val.txt --weights /shared/deeplab_resnet --redis redis://queue:6379 --json',
  ]);
  const noc = addSubmitFlags(
    addNocOptions(submit.command('noc').description('objsel noc as queue jobs, one object per item: the same NoC report')),
  );
  noc.action(async (_flags: unknown, self: Command) => {
    const flags = self.optsWithGlobals<RawNocFlags & SubmitFlags>();
    flags.redis = submitRedis(flags);
    if (flags.saveCurve !== undefined || flags.curveSvg !== undefined)
      throw new CliError(
        'usage',
        '--save-curve and --curve-svg are written by objsel noc in one process; a queued run prints the curve in its result',
      );
    const settings = nocSettings(flags, noc.getOptionValueSource('iou') === 'cli');
    const ctx = context();
    const items = await nocItems(settings, (id) => ctx.warn(`${id}: no ${settings.objectDir}/${id}.png, skipped`));
    const { submitRun } = await import('../jobs/submit');
    const { nocJob } = await import('../jobs/noc-job');
    const abs = nocJob.absolutePaths(settings, items, process.cwd());
    await submitRun(ctx, makePlan('noc', abs.settings, abs.items, flags), flags);
  });
  withExamples(noc, [
    'objsel submit noc --data-dir /shared/VOC2012 --data-list /shared/val.txt --weights /shared/snap --redis redis://queue:6379 --chunk 8 --json',
  ]);
  const crf = addSubmitFlags(
    addCrfOptions(submit.command('crf').description('objsel crf as queue jobs: the same flags, outputs and result')),
  );
  crf.action(async (positionals: string[], _flags: unknown, self: Command) => {
    const flags = self.optsWithGlobals<CrfFlags & SubmitFlags>();
    flags.redis = submitRedis(flags);
    const { settings, items } = crfPlan(positionals, flags);
    const { submitRun } = await import('../jobs/submit');
    const { crfJob } = await import('../jobs/crf-job');
    const abs = crfJob.absolutePaths(settings, items, process.cwd());
    await submitRun(context(), makePlan('crf', abs.settings, abs.items, flags), flags);
  });
  withExamples(crf, [
    'objsel submit crf photos/*.jpg --probs /shared/probs/p.npy --out /shared/crf/mask.png --redis redis://queue:6379 --chunk 8',
  ]);

  const cues = addSubmitFlags(
    addCuesOptions(submit.command('dcsp-cues').description('objsel dcsp cues --data-list as queue jobs: the same flags, cues and result')),
  );
  cues.action(async (_flags: unknown, self: Command) => {
    const flags = self.optsWithGlobals<CuesFlags & SubmitFlags>();
    flags.redis = submitRedis(flags);
    const { settings, listItems } = cuesSettings(flags);
    const items = await listItems();
    const { submitRun } = await import('../jobs/submit');
    const { cuesJob } = await import('../jobs/cues-job');
    const abs = cuesJob.absolutePaths(settings, items, process.cwd());
    await submitRun(context(), makePlan('dcsp-cues', abs.settings, abs.items, flags), flags);
  });
  withExamples(cues, [
    'objsel submit dcsp-cues --data-dir /shared/VOCdevkit --data-list /shared/train_attn_sal_labels.txt --save-dir /shared/cues --redis redis://queue:6379',
  ]);

  withExamples(submit, [
    'objsel submit infer photos/*.jpg --weights deeplab_resnet --redis redis://127.0.0.1:6379',
    'objsel submit evaluate --data-dir VOC2012 --data-list val.txt --weights deeplab_resnet --redis redis://127.0.0.1:6379 --chunk 32',
    'objsel submit --retry-failed objsel-runs/infer-3f2a9c1b7d20 --redis redis://127.0.0.1:6379',
  ]);
}
