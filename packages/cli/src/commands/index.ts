import type { Command } from 'commander';
import type { CliContext } from '../context';
import { registerConvert } from './convert';
import { registerClicks } from './clicks';
import { registerCrf } from './crf';
import { registerDcsp } from './dcsp';
import { registerData } from './data';
import { registerDemo } from './demo';
import { registerDoctor } from './doctor';
import { registerEvaluate } from './evaluate';
import { registerExport } from './export';
import { registerFineTune } from './fine-tune';
import { registerGraphcut } from './graphcut';
import { registerInfer } from './infer';
import { registerInspect } from './inspect';
import { registerTrain } from './train';
import { registerNoc } from './noc';
import { registerSelect } from './select';

/** Adds one command (or a group) to the program; `context` is valid once parsing has begun. */
export type RegisterCommand = (program: Command, context: () => CliContext) => void;

/** Every command of `objsel`, in `--help` order. */
export const COMMANDS: RegisterCommand[] = [
  registerDoctor,
  registerConvert,
  registerInspect,
  registerExport,
  registerDcsp,
  registerData,
  registerTrain,
  registerFineTune,
  registerEvaluate,
  registerInfer,
  registerCrf,
  registerClicks,
  registerGraphcut,
  registerSelect,
  registerNoc,
  registerDemo,
];
