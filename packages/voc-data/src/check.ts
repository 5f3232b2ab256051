import { VocDataError } from './errors';
import type { FileSource } from './files';
import { decodeImage, type ImageCodec } from './codec';
import { looksLikeLuminance } from './luminance';
import { decodeLabel } from './png';
import { decodeFloatMap } from './saliency';
import { parseClassCategories } from './tags';
import type { LabelForm } from './image';
import type { ListEntry } from './lists';
import type { OnProgress } from './progress';

/** What can be wrong with one dataset file. */
export type CheckProblemCode =
  | 'missing-file'
  | 'unreadable'
  | 'bad-values'
  | 'size-mismatch'
  | 'luminance-labels'
  | 'bad-list'
  | 'unknown-colours'
  | 'duplicate'
  | 'empty-label';

/** One finding of {@link checkDataset}: the list line, the file, the problem code and a sentence. */
export interface CheckProblem {
  line: number;
  file: string;
  problem: CheckProblemCode;
  message: string;
}

/** The result of {@link checkDataset} — the JSON `objsel data check --json` prints. */
export interface CheckReport {
  /** List lines read (non-blank, non-comment), including bad ones. */
  entries: number;
  /** Label PNGs by storage form. */
  labelForms: Record<LabelForm, number>;
  /** Pixels per class 0..numClasses-1 over every readable label. */
  histogram: number[];
  /** Pixels labelled 255. */
  ignored: number;
  numClasses: number;
  errors: CheckProblem[];
  warnings: CheckProblem[];
}

/** Options of {@link checkDataset}. */
export interface CheckOptions {
  numClasses?: number;
  /** Files checked at once (default 4). */
  concurrency?: number;
  codec?: ImageCodec;
  /** Bad list lines found while parsing (from `parseList(…, { onBadLine })`). */
  listErrors?: VocDataError[];
  /** Total list lines read, if known (defaults to entries + list errors). */
  lines?: number;
  onProgress?: OnProgress;
}

function describe(error: unknown): { problem: CheckProblemCode; message: string } {
  if (error instanceof VocDataError) {
    const problem: CheckProblemCode =
      error.code === 'missing-file'
        ? 'missing-file'
        : error.code === 'bad-values'
          ? 'bad-values'
          : error.code === 'size-mismatch'
            ? 'size-mismatch'
            : 'unreadable';
    return { problem, message: error.message };
  }
  return { problem: 'unreadable', message: (error as Error).message };
}

/**
 * Checks every entry of a list: files present and decodable, label form, per-class histogram,
 * values outside {0..C-1, 255}, greyscale-luminance labels (palette PNGs decoded as grey — the
 * seeds' most reported failure), image/label/saliency size mismatches, class-category files.
 * Every problem is collected; nothing stops at the first.
 */
export async function checkDataset(entries: readonly ListEntry[], files: FileSource, options: CheckOptions = {}): Promise<CheckReport> {
  const numClasses = options.numClasses ?? 21;
  const histogram = new Array<number>(numClasses).fill(0);
  const report: CheckReport = {
    entries: options.lines ?? entries.length + (options.listErrors?.length ?? 0),
    labelForms: { palette: 0, gray: 0, color: 0 },
    histogram,
    ignored: 0,
    numClasses,
    errors: [],
    warnings: [],
  };
  for (const e of options.listErrors ?? []) {
    const line = Number(/line (\d+)/.exec(e.where ?? '')?.[1] ?? 0);
    report.errors.push({ line, file: e.file ?? '', problem: 'bad-list', message: e.message });
  }
  const seen = new Map<string, number>();
  for (const e of entries) {
    const key = [e.image, e.label, e.classes, e.attention, e.saliency].join(' ');
    const first = seen.get(key);
    if (first !== undefined)
      report.warnings.push({ line: e.line, file: e.image, problem: 'duplicate', message: `${e.image}: same entry as line ${first}` });
    else seen.set(key, e.line);
  }

  const checkOne = async (e: ListEntry): Promise<void> => {
    const error = (file: string, problem: CheckProblemCode, message: string) =>
      report.errors.push({ line: e.line, file, problem, message });
    const warn = (file: string, problem: CheckProblemCode, message: string) =>
      report.warnings.push({ line: e.line, file, problem, message });
    const read = async (file: string): Promise<Uint8Array | undefined> => {
      try {
        return await files.read(file);
      } catch (err) {
        const d = describe(err);
        error(file, d.problem, d.message);
        return undefined;
      }
    };
    let size: { width: number; height: number } | undefined;
    const imageBytes = await read(e.image);
    if (imageBytes) {
      try {
        const img = await decodeImage(imageBytes, e.image, options.codec);
        size = { width: img.width, height: img.height };
      } catch (err) {
        const d = describe(err);
        error(e.image, d.problem, d.message);
      }
    }
    if (e.label) {
      const bytes = await read(e.label);
      if (bytes) {
        try {
          const label = decodeLabel(bytes, e.label);
          report.labelForms[label.form]++;
          if (size && (label.width !== size.width || label.height !== size.height)) {
            error(e.label, 'size-mismatch', `${e.label}: label is ${label.width}x${label.height}, image ${size.width}x${size.height}`);
          }
          const counts = new Float64Array(256);
          for (let i = 0; i < label.data.length; i++) counts[label.data[i]!]!++;
          for (let c = 0; c < numClasses; c++) histogram[c]! += counts[c]!;
          report.ignored += counts[255]!;
          const bad: number[] = [];
          for (let v = numClasses; v < 255; v++) if (counts[v]! > 0) bad.push(v);
          if (bad.length > 0) {
            const shown = bad.slice(0, 8).join(', ') + (bad.length > 8 ? ', ...' : '');
            if (label.form === 'gray' && looksLikeLuminance(bad)) {
              error(
                e.label,
                'luminance-labels',
                `${e.label}: grey values ${shown} are the luminance of VOC palette colours: a palette label was saved or decoded as greyscale; use the palette PNGs (SegmentationClass) or index PNGs (SegmentationClassAug)`,
              );
            } else {
              error(
                e.label,
                'bad-values',
                `${e.label}: values ${shown} are outside 0..${numClasses - 1} and 255 (${bad.reduce((s, v) => s + counts[v]!, 0)} pixels)`,
              );
            }
          }
          if (label.unknownColours)
            warn(
              e.label,
              'unknown-colours',
              `${e.label}: ${label.unknownColours} pixels have colours outside the VOC colour map (read as 255)`,
            );
          if (counts[255] === label.data.length) warn(e.label, 'empty-label', `${e.label}: every pixel is 255 (ignored)`);
        } catch (err) {
          const d = describe(err);
          error(e.label, d.problem, d.message);
        }
      }
    }
    if (e.classes) {
      const bytes = await read(e.classes);
      if (bytes) {
        try {
          const ids = parseClassCategories(new TextDecoder().decode(bytes), e.classes, numClasses);
          if (ids.length === 0) warn(e.classes, 'empty-label', `${e.classes}: no class ids`);
        } catch (err) {
          const d = describe(err);
          error(e.classes, d.problem, d.message);
        }
      }
    }
    for (const file of [e.attention, e.saliency]) {
      if (!file) continue;
      const bytes = await read(file);
      if (!bytes) continue;
      try {
        const map = decodeFloatMap(bytes, file);
        if (size && (map.width !== size.width || map.height !== size.height))
          error(file, 'size-mismatch', `${file}: map is ${map.width}x${map.height}, image ${size.width}x${size.height}`);
        let lo = Infinity;
        let hi = -Infinity;
        for (const v of map.data) {
          if (v < lo) lo = v;
          if (v > hi) hi = v;
        }
        if (map.data.length > 0 && (lo < 0 || hi > 1 || Number.isNaN(lo)))
          warn(file, 'bad-values', `${file}: values span [${lo}, ${hi}], expected [0, 1]`);
      } catch (err) {
        const d = describe(err);
        error(file, d.problem, d.message);
      }
    }
  };

  const concurrency = Math.max(1, options.concurrency ?? 4);
  let next = 0;
  let done = 0;
  const workers = Array.from({ length: Math.min(concurrency, entries.length) }, async () => {
    while (next < entries.length) {
      const e = entries[next++]!;
      await checkOne(e);
      done++;
      options.onProgress?.({ task: 'check', done, total: entries.length, metrics: { errors: report.errors.length } });
    }
  });
  await Promise.all(workers);
  const order = (a: CheckProblem, b: CheckProblem) => a.line - b.line || a.file.localeCompare(b.file);
  report.errors.sort(order);
  report.warnings.sort(order);
  return report;
}
