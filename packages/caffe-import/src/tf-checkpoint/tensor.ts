/**
 * What the checkpoint readers return: a tensor's description (for listing) and its values.
 */
import type { TfDtype, TfTensorData } from './dtypes';

/** A tensor as a checkpoint lists it (no values read). */
export interface TfTensorInfo {
  /** Variable name, e.g. `res2a_branch1/weights` or `global_step`. */
  name: string;
  /** The element type when this reader can decode it, else null. */
  dtype: TfDtype | null;
  /** TensorFlow's name of the type (`DT_FLOAT`, `DT_INT64`, `DT_STRING`, ...). */
  tfDtype: string;
  /** Dimensions ([] for scalars). */
  shape: number[];
  /** Number of stored slices (1 unless the variable was saved partitioned). */
  slices: number;
}

/** A tensor with its values. */
export interface TfTensor {
  /** Variable name. */
  name: string;
  /** Element type. */
  dtype: TfDtype;
  /** Dimensions ([] for scalars). */
  shape: number[];
  /** Row-major values (length = product of shape). */
  data: TfTensorData;
}
