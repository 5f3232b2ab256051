import type { Command } from 'commander';
import type { CliContext } from '../context';
import { registerDcsp } from './dcsp';
import { registerData } from './data';
import { registerDoctor } from './doctor';

/** Adds one command (or a group) to the program; `context` is valid once parsing has begun. */
export type RegisterCommand = (program: Command, context: () => CliContext) => void;

/** Every command of `objsel`, in `--help` order. */
export const COMMANDS: RegisterCommand[] = [registerDoctor, registerDcsp, registerData];
