import type { Command } from 'commander';
import type { CliContext } from '../context';
import { registerConvert } from './convert';
import { registerDcsp } from './dcsp';
import { registerData } from './data';
import { registerDemo } from './demo';
import { registerDoctor } from './doctor';
import { registerInspect } from './inspect';

/** Adds one command (or a group) to the program; `context` is valid once parsing has begun. */
export type RegisterCommand = (program: Command, context: () => CliContext) => void;

/** Every command of `objsel`, in `--help` order. */
export const COMMANDS: RegisterCommand[] = [registerDoctor, registerConvert, registerInspect, registerDcsp, registerData, registerDemo];
