/** The commands that run as items (sharded or queued), loaded on demand. */
import { CliError } from '../errors';
import type { AnyJobKind } from './job-kind';

/** Commands `objsel submit` and `objsel worker` run. */
export const JOB_COMMANDS = ['infer', 'evaluate', 'noc', 'crf', 'dcsp-cues'] as const;
export type JobCommand = (typeof JOB_COMMANDS)[number];

/** The job kind of a command. */
export async function jobKind(command: string): Promise<AnyJobKind> {
  switch (command) {
    case 'infer':
      return (await import('./infer-job')).inferJob;
    case 'evaluate':
      return (await import('./evaluate-job')).evaluateJob;
    case 'noc':
      return (await import('./noc-job')).nocJob;
    case 'crf':
      return (await import('./crf-job')).crfJob;
    case 'dcsp-cues':
      return (await import('./cues-job')).cuesJob;
    default:
      throw new CliError('usage', `no job kind '${command}' (known: ${JOB_COMMANDS.join(', ')})`);
  }
}
