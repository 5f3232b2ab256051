/**
 * Commands load lazily: `objsel --help` lists every command from the table in commands/index.ts
 * without importing them, and `main` imports only the command its arguments name. The table
 * must say what the real commands say, and the argument scan must never miss the command
 * commander runs.
 */
import { type Command, Help } from 'commander';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../src/commands/index';
import { commandsNamedIn, createProgram, main } from '../src/program';
import { capture } from './capture';

describe('lazy command loading', () => {
  it("the table's usage and summary are the real commands' term and description, in order", async () => {
    const program = await createProgram(capture().streams, { load: 'all' });
    const help = new Help();
    expect(program.commands.map((c) => c.name())).toEqual(COMMANDS.map((c) => c.name));
    for (const [i, entry] of COMMANDS.entries()) {
      const real = program.commands[i]!;
      expect(`${entry.name}${entry.usage ? ` ${entry.usage}` : ''}`).toBe(help.subcommandTerm(real));
      expect(entry.summary).toBe(real.description());
    }
  });

  it('`objsel --help` from the table is the same text as with every command loaded', async () => {
    const lazy = capture();
    expect(await main(['node', 'objsel', '--help'], lazy.streams)).toBe(0);
    const full = capture();
    const program = await createProgram(full.streams, { load: 'all' });
    await expect(program.parseAsync(['node', 'objsel', '--help'])).rejects.toThrow();
    expect(lazy.out()).toBe(full.out());
    expect(lazy.out()).toContain('crf [options]');
  });

  it('names the command to load', () => {
    const names = (...args: string[]) => commandsNamedIn(['node', 'objsel', ...args]);
    expect(names('--help')).toEqual([]);
    expect(names()).toEqual([]);
    expect(names('crf', '--image', 'a.png')).toEqual(['crf']);
    expect(names('--backend', 'wasm', '--json', 'infer', 'x.jpg')).toEqual(['infer']);
    expect(names('--backend=cpu', '-q', 'dcsp', 'train')).toEqual(['dcsp']);
    expect(names('help', 'graphcut')).toEqual(['graphcut']);
    expect(names('no-such-command')).toEqual([]);
    expect(names('--image', 'a.png', 'crf')).toBe('all');
  });

  it('property: the scan names the command commander dispatches to (or asks for all)', async () => {
    const dispatched = async (program: Command, argv: string[]): Promise<string | null> => {
      let name: string | null = null;
      program.hook('preSubcommand', (_parent, sub) => {
        name = sub.name();
        throw new Error('stop before running');
      });
      await program.parseAsync(argv).catch(() => undefined);
      return name;
    };
    // Runs of words and flags, a flag's value next to it, as people type them.
    const word = fc.constantFrom(...COMMANDS.map((c) => c.name), 'help', 'train', 'x.png', 'cpu', '3');
    const unit = fc.oneof(
      word.map((w) => [w]),
      fc.constantFrom(['--json'], ['-q'], ['--quiet'], ['--backend=wasm'], ['--image', 'x.png'], ['--out'], ['-x'], ['--']),
      fc.constantFrom('wasm', 'cpu', 'gpu9000').map((b) => ['--backend', b]),
    );
    let dispatches = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(unit, { maxLength: 5 }).map((units) => units.flat()),
        async (args) => {
          const argv = ['node', 'objsel', ...args];
          const named = commandsNamedIn(argv);
          const program = await createProgram(capture().streams, { load: 'all' });
          for (const c of [program, ...program.commands]) c.configureOutput({ writeOut: () => {}, writeErr: () => {} });
          const target = await dispatched(program, argv);
          if (target !== null) dispatches++;
          if (named !== 'all' && target !== null && target !== 'help') expect(named).toContain(target);
        },
      ),
      { numRuns: 150, seed: 16 },
    );
    // Enough generated command lines reach a command for the property to say something (the count
    // moves with the command list, which feeds the generator).
    expect(dispatches).toBeGreaterThan(20);
  });
});
