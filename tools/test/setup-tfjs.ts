// Entry-point duty (ARCHITECTURE.md): load @tensorflow/tfjs once so gradients and chained ops
// are registered; libraries under test import only @tensorflow/tfjs-core. Prod mode silences
// the "install tfjs-node" banner.
import * as tf from '@tensorflow/tfjs';

tf.enableProdMode();
