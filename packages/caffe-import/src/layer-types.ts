/**
 * Legacy V1 layer types (`V1LayerParameter.LayerType`, an enum) and their current string names,
 * as Caffe's own `UpgradeV1LayerType` maps them.
 */
export const V1_LAYER_TYPES: ReadonlyArray<readonly [enumName: string, typeName: string]> = [
  ['NONE', ''],
  ['ACCURACY', 'Accuracy'],
  ['BNLL', 'BNLL'],
  ['CONCAT', 'Concat'],
  ['CONVOLUTION', 'Convolution'],
  ['DATA', 'Data'],
  ['DROPOUT', 'Dropout'],
  ['EUCLIDEAN_LOSS', 'EuclideanLoss'],
  ['FLATTEN', 'Flatten'],
  ['HDF5_DATA', 'HDF5Data'],
  ['HDF5_OUTPUT', 'HDF5Output'],
  ['IM2COL', 'Im2col'],
  ['IMAGE_DATA', 'ImageData'],
  ['INFOGAIN_LOSS', 'InfogainLoss'],
  ['INNER_PRODUCT', 'InnerProduct'],
  ['LRN', 'LRN'],
  ['MULTINOMIAL_LOGISTIC_LOSS', 'MultinomialLogisticLoss'],
  ['POOLING', 'Pooling'],
  ['RELU', 'ReLU'],
  ['SIGMOID', 'Sigmoid'],
  ['SOFTMAX', 'Softmax'],
  ['SOFTMAX_LOSS', 'SoftmaxWithLoss'],
  ['SPLIT', 'Split'],
  ['TANH', 'TanH'],
  ['WINDOW_DATA', 'WindowData'],
  ['ELTWISE', 'Eltwise'],
  ['POWER', 'Power'],
  ['SIGMOID_CROSS_ENTROPY_LOSS', 'SigmoidCrossEntropyLoss'],
  ['HINGE_LOSS', 'HingeLoss'],
  ['MEMORY_DATA', 'MemoryData'],
  ['ARGMAX', 'ArgMax'],
  ['THRESHOLD', 'Threshold'],
  ['DUMMY_DATA', 'DummyData'],
  ['SLICE', 'Slice'],
  ['MVN', 'MVN'],
  ['ABSVAL', 'AbsVal'],
  ['SILENCE', 'Silence'],
  ['CONTRASTIVE_LOSS', 'ContrastiveLoss'],
  ['EXP', 'Exp'],
  ['DECONVOLUTION', 'Deconvolution'],
];

/** The current type name of V1 enum value `value` (binary files), or undefined if unknown. */
export function v1TypeFromNumber(value: number): string | undefined {
  return V1_LAYER_TYPES[value]?.[1];
}

/** The current type name of a V1 enum identifier (`CONVOLUTION`, text files), or undefined. */
export function v1TypeFromName(name: string): string | undefined {
  return V1_LAYER_TYPES.find(([e]) => e === name)?.[1];
}

/** The V1 enum number of a current type name, or undefined when V1 cannot express it. */
export function v1NumberOfType(type: string): number | undefined {
  const i = V1_LAYER_TYPES.findIndex(([, t]) => t === type);
  return i > 0 ? i : undefined;
}
