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
