import { Command, CommanderError, Option } from 'commander';
import { CliContext, type CliStreams, type GlobalOptions } from './context';
import { COMMANDS, registerCommands } from './commands/index';
import { exitCodeOf, formatError, isFsError, isUserError } from './errors';
import { withExamples } from './examples';

declare const __OBJSEL_VERSION__: string | undefined;

/** The CLI's version, from its package.json at build time. */
export const VERSION: string = typeof __OBJSEL_VERSION__ === 'string' ? __OBJSEL_VERSION__ : '0.0.0-dev';

/** Global flags that take a value: the word after them is not a command name. */
const GLOBAL_FLAGS_WITH_VALUE = new Set(['--backend']);
const GLOBAL_SWITCHES = new Set(['--json', '-q', '--quiet', '-V', '--version', '-h', '--help']);

/**
 * The commands `argv` (as `process.argv`) needs loaded: the one it names (`objsel crf ...`,
 * `objsel help crf`), none for `objsel --help` or an unknown name, and all of them where the
 * arguments are not plain enough to tell (an option commander would hand to the command before
 * its name), so that commander always finds the command it dispatches to.
 */
export function commandsNamedIn(argv: readonly string[]): string[] | 'all' {
  const args = argv.slice(2);
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (GLOBAL_FLAGS_WITH_VALUE.has(arg)) i++;
    else if (GLOBAL_SWITCHES.has(arg) || [...GLOBAL_FLAGS_WITH_VALUE].some((f) => arg.startsWith(`${f}=`))) continue;
    else if (arg.startsWith('-')) return 'all';
    else if (arg === 'help') return commandsNamedIn(['', '', ...args.slice(i + 1).filter((a) => !a.startsWith('-'))]);
    else return COMMANDS.some((c) => c.name === arg) ? [arg] : [];
  }
  return [];
}

/**
 * Builds the `objsel` commander program. Global flags (`--backend`, `--json`, `--quiet`) may
 * stand before or after the command name. Commander errors are thrown (`exitOverride`), never
 * `process.exit`, so {@link main} decides the exit code; subcommands inherit this.
 *
 * Every command is loaded unless `options.load` names the ones to load (see
 * {@link commandsNamedIn}); the others are listed in `--help` but not imported, which keeps
 * start-up short.
 */
export async function createProgram(
  streams: CliStreams = { stdout: process.stdout, stderr: process.stderr },
  options: { load?: readonly string[] | 'all' } = {},
): Promise<Command> {
  const program = new Command('objsel');
  let ctx: CliContext | undefined;
  const context = (): CliContext => {
    if (!ctx) ctx = new CliContext(program.opts<GlobalOptions>(), streams);
    return ctx;
  };
  program
    .description('DeepLab-ResNet, interactive object selection and DCSP on TensorFlow.js')
    .version(VERSION, '-V, --version', 'print the version')
    .addOption(
      new Option('--backend <name>', 'TensorFlow.js backend, or onnx: ONNX Runtime for infer, evaluate, select and noc (objsel export)')
        .choices(['auto', 'tensorflow', 'webgpu', 'wasm', 'cpu', 'onnx'])
        .default('auto'),
    )
    .option('--json', 'machine-readable output: JSON lines (progress events and the result) on stdout', false)
    .option('-q, --quiet', 'print nothing but errors (with --json: only the result line)', false)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => streams.stdout.write(s),
      writeErr: (s) => streams.stderr.write(s),
      // Usage errors are printed by main, on one line like every other error.
      outputError: () => undefined,
    });
  await registerCommands(program, context, options.load ?? 'all');
  withExamples(program, ['objsel doctor', 'objsel <command> --help']);
  program.hook('postAction', () => ctx?.progress.finish());
  return program;
}

/**
 * Runs the CLI on `argv` (as `process.argv`) and returns the exit code: 0 on success, 2 for bad
 * input or flags (one line on stderr), 1 for unexpected failures.
 */
export async function main(argv: string[], streams: CliStreams = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  try {
    const program = await createProgram(streams, { load: commandsNamedIn(argv) });
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are successes; help shown for a missing command was printed already.
      if (error.exitCode === 0) return 0;
      if (error.code !== 'commander.help') streams.stderr.write(`objsel: ${formatError(usageMessage(error))} (add --help for usage)\n`);
      return 2;
    }
    streams.stderr.write(`objsel: ${formatError(error)}\n`);
    if (!isUserError(error) && !isFsError(error) && process.env.OBJSEL_DEBUG) streams.stderr.write(`${(error as Error).stack}\n`);
    return exitCodeOf(error);
  }
}

/** Commander's usage error without its `error: ` prefix (`objsel: ` stands there). */
function usageMessage(error: CommanderError): string {
  return error.message.replace(/^error: /, '');
}
