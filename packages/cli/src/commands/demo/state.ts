/** What the demo's steps share: its options, the CLI context, and what earlier steps produced. */
import type { DeepLabResNet, EvaluationResult } from '@objsel/deeplab-resnet';
import type { TrainSummary } from '@objsel/deeplab-resnet/train';
import type { CliContext } from '../../context';
import type { ConvertResult } from '../../convert-weights';

/** Options of {@link runDemo}. */
export interface DemoOptions {
  /** Output directory (default `demo-output`). */
  out: string;
  /** The real DeepLab-ResNet-101 deploy.prototxt. */
  prototxt: string;
  /** Seed of the random caffemodel, the synthetic dataset, the data order and the new weights. */
  seed: number;
  /** Training updates of the reduced DeepLab (default `DEMO_TRAINING.steps`). */
  steps?: number;
  /** Synthetic images (train + val; default `DEMO_DATASET.count`). */
  images?: number;
  /** The real photo masked at the end (default ../shared/fixtures/deeplab/2007_000129.jpg, if present). */
  photo?: string;
}

/** What steps share: options, the context, and what earlier steps produced. */
export interface DemoState {
  options: DemoOptions;
  ctx: CliContext;
  /** Set by the convert step: the objsel weights directory. */
  weightsDir?: string;
  /** Set by the convert step. */
  conversion?: ConvertResult;
  /** Set by the data step: the synthetic VOC-format dataset. */
  dataDir?: string;
  /** Set by the data step: classes including background. */
  numClasses?: number;
  /** Set by the train step (disposed by the masks step or at the end). */
  network?: DeepLabResNet;
  /** Set by the train step. */
  training?: Omit<TrainSummary, 'network'>;
  /** Set by the evaluate step. */
  evaluation?: EvaluationResult;
  /** Backend the training ran on. */
  backend?: string;
}

/** One step of the demo: returns its result (JSON) and a human summary. */
export interface DemoStep {
  name: string;
  run(state: DemoState): Promise<{ result: Record<string, unknown>; human: string }>;
}
