/**
 * What an `objsel dcsp cues` run is, from its flags: one image (`--image --attention --saliency
 * --tags --out`) or a DCSP cue list (`--data-dir --data-list --save-dir`), checked before any
 * work (the same checks for the command, a shard and `objsel submit dcsp-cues`).
 */
import path from 'node:path';
import { DCSP_BACKGROUND_THRESHOLD } from '@objsel/dcsp';
import type { Command } from 'commander';
import { CliError } from '../errors';
import { numberParser, vocTagsFlag } from '../flags';
import { assertFilesExist, readText } from '../node-fs';
import { assertItemOutputsSafe, assertOutputsSafe } from '../output-guard';
import type { CuesItem, CuesSettings } from './cues-job';

/** The flags of `objsel dcsp cues` (and `objsel submit dcsp-cues`). */
export interface CuesFlags {
  image?: string;
  attention?: string;
  saliency?: string;
  tags?: string;
  out?: string;
  dataDir?: string;
  dataList?: string;
  saveDir?: string;
  threshold: number;
}

const ONE = ['image', 'attention', 'saliency', 'tags', 'out'] as const;

/** Declares the cue command's flags on `cmd`. */
export function addCuesOptions(cmd: Command): Command {
  return cmd
    .option('--image <file>', 'the photo (JPEG or PNG); gives the size')
    .option('--attention <file>', 'raw fc1_voc12_d0 attention at image size: float32 .npy [H, W, 20] (or .npz actv) for classes 1..20')
    .option('--saliency <file>', 'saliency at image size: 8-bit PNG (value/255), or .npy/.npz float in [0, 1]')
    .option('--tags <list>', 'present classes, comma-separated ids 1..20 or VOC names (3,15 or bird,person)')
    .option('--out <file>', 'output index PNG (VOC palette)')
    .option(
      '--data-list <file>',
      'instead of the five flags above: "image attention saliency classes.txt" lines (DCSP train_attn_sal_labels.txt)',
    )
    .option('--data-dir <dir>', 'with --data-list: directory the list paths are appended to', '')
    .option('--save-dir <dir>', 'with --data-list: write <id>.png (VOC palette) per line here')
    .option(
      '--threshold <t>',
      'background where the best harmonic mean is below this',
      numberParser('--threshold', { min: 0, max: 1 }),
      DCSP_BACKGROUND_THRESHOLD,
    );
}

/** The settings of a cue run and a way to list its items (the list form reads the list file). */
export function cuesSettings(flags: CuesFlags): { settings: CuesSettings; listItems: () => Promise<CuesItem[]> } {
  const given = ONE.filter((k) => flags[k] !== undefined);
  if (flags.dataList !== undefined) {
    if (given.length > 0) throw new CliError('usage', `--data-list replaces --${given[0]}: give one image's flags or a list, not both`);
    if (flags.saveDir === undefined) throw new CliError('usage', 'with --data-list, give --save-dir DIR for the <id>.png cues');
    const saveDir = flags.saveDir;
    return {
      settings: { threshold: flags.threshold, saveDir },
      listItems: async () => {
        const { parseList } = await import('@objsel/voc-data');
        const entries = parseList(await readText(flags.dataList!), { file: flags.dataList!, dataDir: flags.dataDir ?? '' });
        const bad = entries.find((e) => e.kind !== 'cues');
        if (bad)
          throw new CliError('usage', `line ${bad.line}: expected "image attention saliency classes.txt"`, { file: flags.dataList! });
        const items = entries.map((e) => ({
          image: e.image,
          attention: e.attention!,
          saliency: e.saliency!,
          classes: e.classes!,
          out: path.join(saveDir, `${e.id}.png`),
        }));
        const ids = entries.map((e) => e.id);
        const duplicate = ids.find((n, i) => ids.indexOf(n) !== i);
        if (duplicate)
          throw new CliError('usage', `two lines are image '${duplicate}': their cues would overwrite each other`, {
            file: flags.dataList!,
          });
        const inputs = items.flatMap((i) => [i.image, i.attention, i.saliency, i.classes]);
        assertItemOutputsSafe(
          '--save-dir',
          items.map((i) => i.out),
          inputs,
          [],
        );
        assertFilesExist(inputs);
        return items;
      },
    };
  }
  const missing = ONE.find((k) => flags[k] === undefined);
  if (missing) throw new CliError('usage', `give --${missing} (or a list with --data-list FILE --save-dir DIR)`);
  if (flags.saveDir !== undefined) throw new CliError('usage', '--save-dir goes with --data-list; one image writes --out');
  const tags = vocTagsFlag(flags.tags!);
  assertOutputsSafe([['--out', flags.out]], [flags.image, flags.attention, flags.saliency]);
  const item: CuesItem = { image: flags.image!, attention: flags.attention!, saliency: flags.saliency!, tags, out: flags.out! };
  return { settings: { threshold: flags.threshold }, listItems: async () => [item] };
}
