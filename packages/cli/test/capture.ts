/** Streams for `main(argv, streams)` that collect what a command prints (not a terminal). */
export function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    streams: { stdout: { write: (s: string) => out.push(s), isTTY: false }, stderr: { write: (s: string) => err.push(s), isTTY: false } },
    out: () => out.join(''),
    err: () => err.join(''),
    /** The `{"type":"result"}` line of a --json run. */
    result: () =>
      JSON.parse(
        out
          .join('')
          .trim()
          .split('\n')
          .filter((l) => l.includes('"type":"result"'))
          .pop()!,
      ),
  };
}

/** Runs `objsel ARGS` in-process, not on a terminal, and gives its exit code and output. */
export async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const { main } = await import('../src/index');
  const io = capture();
  const code = await main(['node', 'objsel', ...args], io.streams);
  process.exitCode = 0;
  return { code, out: io.out(), err: io.err() };
}

/** The last JSON line of a --json run's stdout. */
export function lastJson(text: string): Record<string, unknown> {
  const lines = text
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'));
  return JSON.parse(lines[lines.length - 1]!) as Record<string, unknown>;
}

/** The smallest real DeepLab-ResNet the CLI trains in tests (one block per stage, 1/16 of the widths). */
export const TINY_NETWORK = [
  '--from-scratch',
  '--depth',
  '50',
  '--blocks',
  '1,1,1,1',
  '--width-multiplier',
  '0.0625',
  '--aspp-rates',
  '1,2',
];
