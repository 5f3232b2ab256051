import type { Command } from 'commander';

/** Appends an "Examples:" section to a command's `--help`. */
export function withExamples(command: Command, examples: string[]): Command {
  return command.addHelpText('after', `\nExamples:\n${examples.map((e) => `  $ ${e}`).join('\n')}\n`);
}
