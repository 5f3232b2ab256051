import { convertStep } from './convert-step';
import { dataStep } from './data-step';
import { dcspDemoStep } from './dcsp-step';
import { evaluateStep } from './evaluate-step';
import { interactiveDemoStep } from './interactive-step';
import { masksStep } from './masks-step';
import type { DemoStep } from './state';
import { trainStep } from './train-step';

/** The demo's steps, in order; later issues append theirs. */
export const DEMO_STEPS: DemoStep[] = [convertStep, dataStep, trainStep, evaluateStep, masksStep, interactiveDemoStep, dcspDemoStep];
