import path from 'node:path';
import { formatEvaluation } from '../../format-evaluation';
import { readBytes, readText } from '../../node-fs';
import type { DemoStep } from './state';

/** Step 4: mean IoU on the validation split, as `objsel evaluate` computes it. */
export const evaluateStep: DemoStep = {
  name: 'evaluate',
  async run(state) {
    const { ctx } = state;
    const { evaluate } = await import('@objsel/deeplab-resnet');
    const { parseList } = await import('@objsel/voc-data');
    const list = path.join(state.dataDir!, 'val.txt');
    const entries = parseList(await readText(list), { file: list, dataDir: state.dataDir! });
    const classNames = JSON.parse(await readText(path.join(state.dataDir!, 'dataset.json'))).classes as string[];
    const evaluation = await evaluate({
      network: state.network!,
      entries,
      read: readBytes,
      classNames,
      onProgress: ctx.onProgress,
    });
    state.evaluation = evaluation;
    if (!(evaluation.miou >= 0.8)) ctx.warn(`mean IoU ${evaluation.miou.toFixed(3)} is below the demo's 0.8 target`);
    return { result: { ...evaluation }, human: formatEvaluation(evaluation) };
  },
};
