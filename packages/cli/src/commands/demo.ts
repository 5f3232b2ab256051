import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { encodeCaffemodel, parsePrototxt, syntheticLayers } from '@objsel/caffe-import';
import type { Command } from 'commander';
import type { CliContext } from '../context';
import { CliError } from '../errors';
import { withExamples } from '../examples';
import { formatConvert, runConvert, type ConvertResult } from './convert';

/** Options of {@link runDemo}. */
export interface DemoOptions {
  /** Output directory (default `demo-output`). */
  out: string;
  /** The real DeepLab-ResNet-101 deploy.prototxt. */
  prototxt: string;
  /** Seed of the random caffemodel. */
  seed: number;
}

/** What steps share: options, the context, and what earlier steps produced. */
export interface DemoState {
  options: DemoOptions;
  ctx: CliContext;
  /** Set by the convert step: the objsel weights directory. */
  weightsDir?: string;
  /** Set by the convert step. */
  conversion?: ConvertResult;
}

/** One step of the demo: returns its result (JSON) and a human summary. */
export interface DemoStep {
  name: string;
  run(state: DemoState): Promise<{ result: Record<string, unknown>; human: string }>;
}

/**
 * Step 1: a seeded random ResNet-101 caffemodel for the real deploy.prototxt (made by
 * caffe-import's writer, since the pretrained files are not redistributable here), converted
 * exactly as `objsel convert` does.
 */
const convertStep: DemoStep = {
  name: 'convert',
  async run(state) {
    const { options, ctx } = state;
    const caffeDir = path.join(options.out, 'caffe');
    await fs.mkdir(caffeDir, { recursive: true });
    const caffemodel = path.join(caffeDir, `deeplab_resnet101_random_seed${options.seed}.caffemodel`);
    const text = await fs.readFile(options.prototxt, 'utf8');
    ctx.onProgress({ task: 'demo', done: 0, total: 1, message: 'writing a random ResNet-101 caffemodel' });
    const net = parsePrototxt(text, { file: options.prototxt });
    const bytes = encodeCaffemodel(syntheticLayers(net, { seed: options.seed }), { name: 'DeepLab-ResNet-101 (seeded random weights)' });
    await fs.writeFile(caffemodel, bytes);
    const weightsDir = path.join(options.out, 'deeplab_resnet');
    const conversion = await runConvert({ prototxt: options.prototxt, caffemodel, out: weightsDir, generatedBy: '@objsel/cli demo' }, ctx.onProgress);
    state.weightsDir = weightsDir;
    state.conversion = conversion;
    return {
      result: { caffemodel, caffemodelBytes: bytes.length, ...conversion },
      human: `made ${caffemodel} (${(bytes.length / 1024 / 1024).toFixed(1)} MiB, seed ${options.seed})\n${formatConvert(conversion)}`,
    };
  },
};

/** The demo's steps, in order; later steps (training, evaluation, ...) are appended here. */
export const DEMO_STEPS: DemoStep[] = [convertStep];

/** Runs every demo step, printing each one's summary; returns all results by step name. */
export async function runDemo(options: DemoOptions, ctx: CliContext, steps: DemoStep[] = DEMO_STEPS): Promise<Record<string, unknown>> {
  const state: DemoState = { options, ctx };
  const results: Record<string, unknown> = {};
  for (const [i, step] of steps.entries()) {
    ctx.info(`== demo step ${i + 1}/${steps.length}: ${step.name}`);
    const { result, human } = await step.run(state);
    results[step.name] = result;
    ctx.info(human);
  }
  return results;
}

/** Where the real deploy.prototxt is expected: OBJSEL_FIXTURES, else ../shared/fixtures beside the checkout. */
function defaultPrototxt(): string {
  const candidates = [
    process.env.OBJSEL_FIXTURES && path.join(process.env.OBJSEL_FIXTURES, 'deeplab/deploy.prototxt'),
    path.resolve('../shared/fixtures/deeplab/deploy.prototxt'),
    path.resolve('shared/fixtures/deeplab/deploy.prototxt'),
  ].filter((p): p is string => Boolean(p));
  return candidates.find((p) => existsSync(p)) ?? candidates[0]!;
}

/** `objsel demo`: the end-to-end walk-through on synthetic weights. */
export function registerDemo(program: Command, context: () => CliContext): void {
  const cmd = program
    .command('demo')
    .description('end-to-end demo: convert the real DeepLab-ResNet-101 deploy.prototxt with seeded random Caffe weights, then the later steps')
    .option('--out <dir>', 'output directory', 'demo-output')
    .option('--prototxt <file>', 'DeepLab-ResNet-101 deploy.prototxt (default: ../shared/fixtures/deeplab/deploy.prototxt)')
    .option('--seed <n>', 'seed of the random weights', '1234')
    .action(async (opts: { out: string; prototxt?: string; seed: string }) => {
      const ctx = context();
      const seed = Number(opts.seed);
      if (!Number.isSafeInteger(seed)) throw new CliError('usage', `--seed must be an integer, got ${opts.seed}`);
      const prototxt = opts.prototxt ?? defaultPrototxt();
      if (!existsSync(prototxt)) throw new CliError('io', 'deploy.prototxt not found (pass --prototxt or set OBJSEL_FIXTURES)', { file: prototxt });
      const results = await runDemo({ out: opts.out, prototxt, seed }, ctx);
      ctx.result({ out: opts.out, steps: results }, () => `demo finished: outputs in ${opts.out}/`);
    });
  withExamples(cmd, ['objsel demo', 'objsel demo --out /tmp/demo --seed 7 --json']);
}
