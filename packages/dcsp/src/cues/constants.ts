/** DCSP's `EPSILON` (train_fcan.py, get_localization.py, image_reader_segment.py). */
export const DCSP_EPSILON = 1e-12;

/** A pixel is background when its best harmonic-mean score is below this (image_reader_segment.py). */
export const DCSP_BACKGROUND_THRESHOLD = 0.4;

/** PASCAL VOC: background plus 20 object classes. */
export const DCSP_NUM_CLASSES = 21;

/** Channels of the attention head `fc1_voc12_d0`: the 20 object classes, no background. */
export const DCSP_NUM_OBJECT_CLASSES = 20;

/** The input scales DCSP fuses by element-wise max (cue extraction, adaptation, evaluation). */
export const DCSP_SCALES: readonly number[] = Object.freeze([1, 0.75, 0.5]);
