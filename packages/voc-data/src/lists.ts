import { VocDataError } from './errors';

/**
 * The list-line formats the seeds use:
 * - `pair`: `/JPEGImages/x.jpg /SegmentationClassAug/x.png` (DeepLab port train/val lists);
 * - `image`: `/JPEGImages/x.jpg` (test lists);
 * - `tags`: `/JPEGImages/x.jpg /ClassCategories/x.txt` (DCSP `*_labels_only.txt`);
 * - `cues`: image, attention `.npz`, saliency `.npz`/`.npy`/`.png`, class-category `.txt`
 *   (DCSP `train_attn_sal_labels.txt`);
 * - `id`: a bare image id, `2007_000032` (VOC `ImageSets/Segmentation/*.txt`).
 */
export type ListLineKind = 'pair' | 'image' | 'tags' | 'cues' | 'id';

/** One line of a list file, with paths joined to the data directory. */
export interface ListEntry {
  /** 1-based line number in the list file. */
  line: number;
  kind: ListLineKind;
  /** Image id: the file name without directory and extension. */
  id: string;
  image: string;
  /** Class label PNG (`pair`, and `id` lines through the layout). */
  label?: string;
  /** DCSP class-category file: one class id per line. */
  classes?: string;
  /** DCSP attention cues (`.npz` with `actv`). */
  attention?: string;
  /** Saliency map (`.npz`/`.npy` float in [0,1], or 8-bit PNG). */
  saliency?: string;
  /** The list file this line came from, for error messages. */
  source?: string;
}

/** Where `id` lines point: folders under the data directory (VOC2012 defaults). */
export interface IdLayout {
  imageDir?: string;
  labelDir?: string;
  imageExt?: string;
  labelExt?: string;
}

/**
 * Joins a list path to the data directory the way the seeds do (`data_dir + path`), normalising
 * the one slash between them so `--data-dir D/` and `D` both work.
 */
export function joinDataPath(dataDir: string, path: string): string {
  if (!dataDir) return path;
  return `${dataDir.replace(/[\\/]+$/, '')}/${path.replace(/^[\\/]+/, '')}`;
}

/** The file name of a path without directory and extension. */
export function idOfPath(path: string): string {
  const base = path.split(/[\\/]/).pop() ?? path;
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(0, dot) : base;
}

const IMAGE_EXT = /\.(jpe?g|png)$/i;
const ARRAY_EXT = /\.(npz|npy|png)$/i;

function classify(tokens: string[]): ListLineKind | undefined {
  const [a, b, c, d] = tokens;
  if (tokens.length === 1) return IMAGE_EXT.test(a!) ? 'image' : /^[\w.-]+$/.test(a!) ? 'id' : undefined;
  if (tokens.length === 2) {
    if (!IMAGE_EXT.test(a!)) return undefined;
    if (/\.png$/i.test(b!)) return 'pair';
    if (/\.txt$/i.test(b!)) return 'tags';
    return undefined;
  }
  if (tokens.length === 4 && IMAGE_EXT.test(a!) && /\.(npz|npy)$/i.test(b!) && ARRAY_EXT.test(c!) && /\.txt$/i.test(d!)) return 'cues';
  return undefined;
}

/**
 * Parses a list file. Blank lines and `#` comments are skipped; every other line must be one of
 * the {@link ListLineKind} formats, else a `bad-list` error names the file and line. Paths are
 * joined to `dataDir`; `id` lines resolve through `layout` (default `JPEGImages/<id>.jpg`,
 * `SegmentationClass/<id>.png`). With `onBadLine`, bad lines are reported there and skipped.
 */
export function parseList(
  text: string,
  options: { file?: string; dataDir?: string; layout?: IdLayout; onBadLine?: (error: VocDataError) => void } = {},
): ListEntry[] {
  const { file, dataDir = '' } = options;
  const layout = { imageDir: 'JPEGImages', labelDir: 'SegmentationClass', imageExt: '.jpg', labelExt: '.png', ...options.layout };
  const entries: ListEntry[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.trim();
    if (!raw || raw.startsWith('#')) continue;
    const tokens = raw.split(/\s+/);
    const kind = classify(tokens);
    const line = i + 1;
    if (!kind) {
      const error = new VocDataError(
        'bad-list',
        `unknown list line format ${JSON.stringify(raw.length > 120 ? `${raw.slice(0, 117)}...` : raw)} (expected "image label.png", "image", "image classes.txt", "image attention.npz saliency.npz classes.txt" or an image id)`,
        { file, where: `line ${line}` },
      );
      // With onBadLine the caller collects every bad line (data check); otherwise the first one stops parsing.
      if (options.onBadLine) {
        options.onBadLine(error);
        continue;
      }
      throw error;
    }
    const j = (p: string) => joinDataPath(dataDir, p);
    const src = file === undefined ? {} : { source: file };
    switch (kind) {
      case 'pair':
        entries.push({ line, kind, id: idOfPath(tokens[0]!), image: j(tokens[0]!), label: j(tokens[1]!), ...src });
        break;
      case 'image':
        entries.push({ line, kind, id: idOfPath(tokens[0]!), image: j(tokens[0]!), ...src });
        break;
      case 'tags':
        entries.push({ line, kind, id: idOfPath(tokens[0]!), image: j(tokens[0]!), classes: j(tokens[1]!), ...src });
        break;
      case 'cues':
        entries.push({
          line,
          kind,
          id: idOfPath(tokens[0]!),
          image: j(tokens[0]!),
          attention: j(tokens[1]!),
          saliency: j(tokens[2]!),
          classes: j(tokens[3]!),
          ...src,
        });
        break;
      case 'id': {
        const id = tokens[0]!;
        entries.push({
          line,
          kind,
          id,
          image: j(`${layout.imageDir}/${id}${layout.imageExt}`),
          label: j(`${layout.labelDir}/${id}${layout.labelExt}`),
          ...src,
        });
        break;
      }
    }
  }
  return entries;
}

/** Writes list lines in the seeds' format (`/JPEGImages/x.jpg /SegmentationClassAug/x.png`). */
export function formatListLine(paths: readonly string[]): string {
  return paths.map((p) => (p.startsWith('/') ? p : `/${p}`)).join(' ');
}
