// Progress events have one shape across @objsel; deeplab-resnet (a dependency) re-exports it.
export type { OnProgress, ProgressEvent } from '@objsel/deeplab-resnet';
