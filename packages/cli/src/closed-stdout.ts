/**
 * `objsel ... | head -1`: when the reader closes the pipe early, writes to stdout fail with EPIPE.
 * Like command-line tools that SIGPIPE ends, objsel then stops quietly (no stack) with exit code
 * 141 (128 + SIGPIPE), first removing the temporaries of any outputs it was staging.
 */
const SIGPIPE_EXIT = 141;

export function stopQuietlyWhenStdoutCloses(stdout: NodeJS.WriteStream = process.stdout): void {
  let closing = false;
  stdout.on('error', (error: NodeJS.ErrnoException) => {
    // Writes queued behind the failed one fail too: one stop is enough.
    if (closing) return;
    if (error.code !== 'EPIPE') throw error;
    closing = true;
    // Loaded only now: a command that stages outputs has it loaded already.
    import('./staged-outputs').then(
      ({ abandonStagedOutputs }) => abandonStagedOutputs(SIGPIPE_EXIT),
      () => process.exit(SIGPIPE_EXIT),
    );
  });
}
