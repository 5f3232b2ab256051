import type { ExportTarget } from './target';
import { tfCheckpointTarget } from './tf-checkpoint';

export type { ExportOutcome, ExportRequest, ExportTarget } from './target';

/** Every `--to` target by name. */
export const EXPORT_TARGETS: Record<string, ExportTarget> = {
  'tf-checkpoint': tfCheckpointTarget,
};
