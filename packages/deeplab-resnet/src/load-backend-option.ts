import * as tf from '@tensorflow/tfjs-core';
import { loadBackend, type BackendName } from './backend';

/** The `backend` option of the one-call loaders (`loadSegmenter`, `loadInteractive`). */
export interface BackendOption {
  /**
   * The TF.js backend to run on ({@link loadBackend}). Default: the backend already active, or
   * `auto` when none is.
   */
  backend?: BackendName;
}

/** Activates the backend asked for, or `auto` when none is active yet; returns the active backend's name. */
export async function activateBackend(option: BackendOption): Promise<string> {
  const active = (tf.engine() as unknown as { backendName?: string | null }).backendName;
  if (option.backend !== undefined || !active) await loadBackend(option.backend ?? 'auto');
  return tf.getBackend();
}
