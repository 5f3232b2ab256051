// Progress events have one shape across @objsel; caffe-import (a dependency) declares it.
export type { OnProgress, ProgressEvent } from '@objsel/caffe-import';
