import { Command, Help } from 'commander';
import type { CliContext } from '../context';
import { CliError } from '../errors';

/** Adds one command (or a group) to the program; `context` is valid once parsing has begun. */
export type RegisterCommand = (program: Command, context: () => CliContext) => void;

/**
 * A command as `objsel --help` lists it, and how to load it. Each command's module (and what it
 * imports: image codecs, protobuf, the dense CRF, the network stack) is loaded only when that
 * command runs, so `objsel --help` and `objsel crf` never load what they do not use.
 */
export interface CommandEntry {
  name: string;
  /** What follows the name in `objsel --help` (`[options]`, `<file>`); the real command's term, checked by a test. */
  usage: string;
  /** The command's description, the same as the real command's (checked by a test). */
  summary: string;
  /** Imports the command's module and returns its register function. */
  load: () => Promise<RegisterCommand>;
}

/** Every command of `objsel`, in `--help` order. */
export const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'doctor',
    usage: '',
    summary: 'report the runtime, installed optional packages and the backend --backend selects',
    load: async () => (await import('./doctor')).registerDoctor,
  },
  {
    name: 'convert',
    usage: '[options]',
    summary:
      "convert a ResNet .prototxt + .caffemodel (DeepLab-v2, or an ImageNet ResNet → backbone) or a TensorFlow checkpoint (the TF port's names) to an objsel weights directory (model.json + TF.js shards)",
    load: async () => (await import('./convert/index')).registerConvert,
  },
  {
    name: 'inspect',
    usage: '<file>',
    summary:
      'list the layers of a .prototxt (types, tops/bottoms, inferred shapes) or .caffemodel (types, blob shapes), or the tensors of a TensorFlow checkpoint (names, dtypes, shapes)',
    load: async () => (await import('./inspect/index')).registerInspect,
  },
  {
    name: 'export',
    usage: '[options]',
    summary: "write objsel weights in another format: onnx (ONNX Runtime, CVAT, Triton) or tf-checkpoint (the TF port's names)",
    load: async () => (await import('./export')).registerExport,
  },
  {
    name: 'dcsp',
    usage: '',
    summary: 'weakly supervised segmentation from image tags and saliency (DCSP, Chaudhry et al. 2017)',
    load: async () => (await import('./dcsp/index')).registerDcsp,
  },
  {
    name: 'data',
    usage: '',
    summary: 'PASCAL VOC / SBD datasets: check labels, make synthetic VOC-format data, convert SBD .mat labels',
    load: async () => (await import('./data/index')).registerData,
  },
  {
    name: 'train',
    usage: '[options]',
    summary:
      'train DeepLab-ResNet as the TensorFlow port does (train.py; train_msc.py with --scales 1,0.75,0.5 --grad-update-every 10 --batch-size 1)',
    load: async () => (await import('./train')).registerTrain,
  },
  {
    name: 'fine-tune',
    usage: '[options]',
    summary: 'fine-tune only the last layers (fc1_voc12*) with Adam at a constant learning rate (fine_tune.py)',
    load: async () => (await import('./fine-tune')).registerFineTune,
  },
  {
    name: 'evaluate',
    usage: '[options]',
    summary:
      'mean IoU of a network on a labelled list: full-size images, bilinear upsampling, argmax, 255 ignored (evaluate.py, evaluate_msc.py)',
    load: async () => (await import('./evaluate')).registerEvaluate,
  },
  {
    name: 'infer',
    usage: '[options] <images...>',
    summary:
      'segment images: BGR minus the mean, fc1_voc12 logits, bilinear upsampling, argmax; writes <name>_mask.png (VOC palette) and <name>_overlay.png (inference.py)',
    load: async () => (await import('./infer')).registerInfer,
  },
  {
    name: 'crf',
    usage: '[options] [images...]',
    summary: 'refine a segmentation with a fully connected CRF (Krähenbühl & Koltun; pydensecrf-compatible)',
    load: async () => (await import('./crf')).registerCrf,
  },
  {
    name: 'clicks',
    usage: '',
    summary: 'interactive selection clicks: sample training clicks, encode distance maps, place the robot click',
    load: async () => (await import('./clicks/index')).registerClicks,
  },
  {
    name: 'graphcut',
    usage: '[options]',
    summary: 'refine a foreground probability map by an exact minimum cut (Boykov-Kolmogorov max-flow) into a 0/255 mask',
    load: async () => (await import('./graphcut')).registerGraphcut,
  },
  {
    name: 'select',
    usage: '[options] <image>',
    summary:
      'select the object under the clicks with an interactive network (Xu et al. 2016) or a classic method (GrabCut, graph cut, random walker, geodesic; no weights): a 0/255 mask PNG and an overlay',
    load: async () => (await import('./select')).registerSelect,
  },
  {
    name: 'serve',
    usage: '[options]',
    summary:
      'serve an interactive network over HTTP: POST /v1/select (COCO RLE, PNG or polygons), a CVAT interactor (/cvat/interactor) and a Label Studio ML backend (/predict)',
    load: async () => (await import('./serve')).registerServe,
  },
  {
    name: 'noc',
    usage: '[options]',
    summary:
      'NoC@85/NoC@90 of an interactive network or a classic method (--method grabcut, ...: baseline rows): the robot clicks the centre of the largest error until the IoU threshold or the budget, per SegmentationObject instance',
    load: async () => (await import('./noc')).registerNoc,
  },
  {
    name: 'noc-plot',
    usage: '[options] <runs...>',
    summary: "draw the IoU-vs-clicks curves of saved 'noc --json' outputs or --save-curve JSON files on one SVG plot",
    load: async () => (await import('./noc-plot')).registerNocPlot,
  },
  {
    name: 'submit',
    usage: '[options]',
    summary:
      'run infer, evaluate, noc, crf or dcsp cues as jobs on a Redis queue for objsel worker processes on any number of machines; prints the same result as the command',
    load: async () => (await import('./submit')).registerSubmit,
  },
  {
    name: 'worker',
    usage: '[options]',
    summary:
      'take infer and evaluate jobs from a Redis queue (objsel submit) and run them, networks kept loaded, outputs written atomically; SIGTERM finishes the current jobs and exits',
    load: async () => (await import('./worker')).registerWorker,
  },
  {
    name: 'status',
    usage: '[options] <run>',
    summary: 'how far a queued run is: items done, failed and pending, and its jobs in Redis',
    load: async () => (await import('./status')).registerStatus,
  },
  {
    name: 'collect',
    usage: '<run>',
    summary: "the result of a finished queued run, read from its directory alone: the command's own result, failures in RUN/failed.jsonl",
    load: async () => (await import('./collect')).registerCollect,
  },
  {
    name: 'merge',
    usage: '<command> <results...>',
    summary:
      "merge the --json results of the shards of an evaluate or noc run (--shard I/N) into the run's result: confusion matrices summed, NoC objects joined",
    load: async () => (await import('./merge')).registerMerge,
  },
  {
    name: 'demo',
    usage: '[options]',
    summary:
      'end-to-end demo: convert the real DeepLab-ResNet-101 deploy.prototxt with seeded random Caffe weights, make a synthetic VOC dataset, train a reduced DeepLab from scratch, evaluate, write masks and summary.json',
    load: async () => (await import('./demo/index')).registerDemo,
  },
];

/** Listed in `--help` under its entry's name, usage and summary; never run (see {@link registerCommands}). */
function placeholder(entry: CommandEntry): Command {
  return new Command(entry.name)
    .description(entry.summary)
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .action(() => {
      throw new CliError('failed', `internal error: the command ${entry.name} was not loaded`, { exitCode: 1 });
    });
}

/**
 * Adds the commands to `program`: those in `load` (every one for `'all'`) in full, the others as
 * placeholders that `--help` lists with their entry's usage and summary. The caller loads the
 * command the arguments name, so a placeholder never runs.
 */
export async function registerCommands(program: Command, context: () => CliContext, load: readonly string[] | 'all'): Promise<void> {
  const wanted = COMMANDS.filter((entry) => load === 'all' || load.includes(entry.name));
  const registers = new Map(await Promise.all(wanted.map(async (entry) => [entry.name, await entry.load()] as const)));
  const placeholders = new Map<Command, CommandEntry>();
  for (const entry of COMMANDS) {
    const register = registers.get(entry.name);
    if (register) {
      register(program, context);
    } else {
      const command = placeholder(entry);
      placeholders.set(command, entry);
      program.addCommand(command);
    }
  }
  if (placeholders.size === 0) return;
  const term = Help.prototype.subcommandTerm;
  program.configureHelp({
    subcommandTerm(this: Help, command: Command): string {
      const entry = placeholders.get(command);
      return entry ? `${entry.name}${entry.usage ? ` ${entry.usage}` : ''}` : term.call(this, command);
    },
  });
}
