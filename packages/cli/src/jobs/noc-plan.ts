/** What an `objsel noc` run is, from its flags: the settings and (with `--dataset voc-list`) the objects. */
import type { Command } from 'commander';
import { CliError } from '../errors';
import { choiceFlag, numberFlag } from '../flags';
import { SELECT_METHODS } from '../method-selection';
import { addBenchmarkFlags, type RawBenchmarkFlags } from '../noc-benchmark';
import { addNocProtocolFlags, iouThresholdsFromFlags, nocProtocolFromFlags, type RawNocProtocolFlags } from '../noc-protocol-flags';
import { readBytes } from '../node-fs';
import { addRefineFlags, brsFromFlags, type RawSelectionFlags, refineFromFlags } from '../selection-flags';
import type { NocJobSettings } from './noc-job';

/** The flags of `objsel noc` (and `objsel submit noc`). */
export interface RawNocFlags extends RawSelectionFlags, RawBenchmarkFlags, RawNocProtocolFlags {
  dataDir: string;
  dataList?: string;
  method: string;
  weights?: string;
  maxClicks: string;
  iou: string;
  objectDir: string;
  maxImages?: string;
}

/** Declares noc's flags on `cmd`. */
export function addNocOptions(cmd: Command): Command {
  cmd
    .requiredOption('--data-dir <dir>', 'directory the list paths are appended to')
    .option('--data-list <file>', 'with --dataset voc-list: list of "/JPEGImages/x.jpg /SegmentationClass/x.png" lines (or ids)')
    .option('--method <name>', `${SELECT_METHODS.join(', ')}: the network needs --weights, the classic methods need none`, 'network')
    .option('--weights <dir>', 'interactive weights (--method network): a weights directory, checkpoint or snapshot directory')
    .option('--max-clicks <n>', 'click budget per object (failures count as this)', '20')
    .option('--iou <list>', 'IoU thresholds', '0.85,0.9')
    .option('--object-dir <dir>', 'instance labels under --data-dir', 'SegmentationObject')
    .option('--max-images <n>', 'evaluate only the first n images of the list');
  addBenchmarkFlags(cmd);
  addNocProtocolFlags(cmd);
  return addRefineFlags(cmd, 'none');
}

/** The flags checked, without reading anything (`iouGiven`: `--iou` was on the command line). */
export function nocFlagValues(flags: RawNocFlags, iouGiven: boolean) {
  const maxClicks = numberFlag('--max-clicks', flags.maxClicks, { integer: true, min: 1, max: 1000 });
  const iou = iouThresholdsFromFlags(flags, iouGiven);
  const method = choiceFlag('--method', flags.method, SELECT_METHODS);
  const maxImages =
    flags.maxImages === undefined ? undefined : numberFlag('--max-images', flags.maxImages, { integer: true, min: 1, max: 10_000_000 });
  const protocol = nocProtocolFromFlags(flags, method);
  return { maxClicks, iou, method, maxImages, protocol };
}

/** The settings of a `--dataset voc-list` run (the one that runs as items: sharded or queued). */
export function nocSettings(flags: RawNocFlags, iouGiven: boolean): NocJobSettings {
  const { maxClicks, iou, method, maxImages, protocol } = nocFlagValues(flags, iouGiven);
  if ((flags.dataset ?? 'voc-list') !== 'voc-list' || !flags.dataList)
    throw new CliError('usage', '--shard and objsel submit noc run on a --data-list (--dataset voc-list)');
  if (method === 'network' && !flags.weights)
    throw new CliError('usage', '--method network needs --weights DIR (the classic methods, e.g. --method geodesic, need none)');
  const brs = method === 'network' ? brsFromFlags(flags) : undefined;
  return {
    method,
    ...(method === 'network' && flags.weights ? { weights: flags.weights } : {}),
    dataDir: flags.dataDir,
    dataList: flags.dataList,
    objectDir: flags.objectDir,
    ...(maxImages === undefined ? {} : { maxImages }),
    maxClicks,
    iou,
    predictor: refineFromFlags(flags),
    ...(brs === undefined ? {} : { brs }),
    ...(protocol.zoomIn ? { zoomIn: protocol.zoomIn } : {}),
    ...(protocol.clickConsistent ? { clickConsistent: true } : {}),
    fullCurve: flags.saveCurve !== undefined || flags.curveSvg !== undefined,
  };
}

/** The objects of the list, in the order the robot visits them (`onMissing`: an image without an instance label). */
export async function nocItems(s: NocJobSettings, onMissing: (id: string) => void): Promise<string[]> {
  const { vocListObjects } = await import('@objsel/voc-data');
  const ids = await vocListObjects({
    read: readBytes,
    dataDir: s.dataDir,
    dataList: s.dataList,
    objectDir: s.objectDir,
    ...(s.maxImages === undefined ? {} : { maxImages: s.maxImages }),
    onMissing,
  }).ids();
  if (ids.length === 0) throw new CliError('usage', `no object under ${s.dataDir} has a label (${s.objectDir} or the dataset's masks)`);
  return ids;
}
