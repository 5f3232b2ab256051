/**
 * The interactive-selection step of `objsel demo` (issue 9): `runInteractiveDemo` of
 * `@objsel/deeplab-resnet/interactive` (an interactive DeepLab trained on the demo's synthetic
 * VOC data, then NoC@85/90 on the validation split: plain, graph cut, f-BRS + graph cut) on
 * Node's file system, with `objsel train --interactive`'s training stream; prints the NoC table.
 */
import type { DeepLabResNet } from '@objsel/deeplab-resnet';
import type { InteractiveDemoConfig, InteractiveDemoResult } from '@objsel/deeplab-resnet/interactive';
import type { CliContext } from '../../context';
import { nodeFileSystem, readBytes } from '../../node-fs';
import type { DemoState, DemoStep } from './state';

/** Options of {@link runInteractiveDemo}. */
export interface InteractiveDemoOptions {
  /** Output directory (the step writes into `<out>/interactive`). */
  out: string;
  seed: number;
  /** A VOC-format dataset with SegmentationObject labels and train.txt / val.txt. */
  dataDir: string;
  /** An RGB DeepLab trained on that data to widen (else the network starts from scratch). */
  pretrained?: DeepLabResNet;
  /** Training updates (default: the library's `INTERACTIVE_DEMO`). */
  steps?: number;
  /** Which NoC configurations to run (default: the library's `INTERACTIVE_DEMO_CONFIGS`). */
  configs?: InteractiveDemoConfig[];
}

/** Runs the library's interactive demo with the CLI's file system, training stream, progress and messages. */
export async function runInteractiveDemo(options: InteractiveDemoOptions, ctx: CliContext): Promise<InteractiveDemoResult> {
  const { runInteractiveDemo: run } = await import('@objsel/deeplab-resnet/interactive');
  return run({
    ...options,
    fs: nodeFileSystem,
    read: readBytes,
    onProgress: ctx.onProgress,
    onInfo: (m) => ctx.info(m),
    onWarn: (m) => ctx.warn(m),
  });
}

/** The NoC table as text. */
export function formatInteractiveDemo(result: InteractiveDemoResult): string {
  const rows = Object.entries(result.noc).map(
    ([name, f]) =>
      `  ${name.padEnd(13)} NoC@85 ${f['NoC@85'].toFixed(2).padStart(5)}  NoC@90 ${f['NoC@90'].toFixed(2).padStart(5)}  ${(f.secondsPerClick * 1000).toFixed(0)} ms/click, ${f.cpuSeconds.toFixed(1)} CPU s${f.brs ? `, ${f.meanBrsSteps} f-BRS steps/click` : ''}`,
  );
  return [
    `interactive network: ${result.training.steps} updates from the ${result.training.from} in ${result.training.seconds.toFixed(1)} s (${result.training.cpuSeconds.toFixed(1)} CPU s); NoC over ${result.objects} validation objects (20-click budget):`,
    ...rows,
    `graph cut ${result.improves.graphcut ? 'improves' : 'does NOT improve'} NoC, f-BRS ${result.improves.brs ? 'improves' : 'does NOT improve'} NoC`,
  ].join('\n');
}

/** Demo step: the interactive network on the demo's data (widening the demo's RGB network if the train step ran). */
export const interactiveDemoStep: DemoStep = {
  name: 'interactive',
  async run(state: DemoState) {
    const { options, ctx } = state;
    if (!state.dataDir) throw new Error('the interactive demo step needs the data step before it');
    state.backend ??= await ctx.useBackend();
    const result = await runInteractiveDemo(
      { out: options.out, seed: options.seed, dataDir: state.dataDir, ...(state.network ? { pretrained: state.network } : {}) },
      ctx,
    );
    if (!result.improves.graphcut) ctx.warn('graph cut did not improve NoC on the synthetic validation split');
    if (!result.improves.brs) ctx.warn('f-BRS did not improve NoC on the synthetic validation split');
    return { result: { ...result }, human: formatInteractiveDemo(result) };
  },
};
