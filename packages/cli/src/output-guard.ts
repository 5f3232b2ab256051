import { realpathSync } from 'node:fs';
import path from 'node:path';
import { CliError } from './errors';

/** The absolute path with symbolic links of its existing part resolved, so two spellings of one place compare equal. */
function canonical(p: string): string {
  let existing = path.resolve(p);
  const rest: string[] = [];
  for (;;) {
    try {
      return path.join(realpathSync.native(existing), ...rest.reverse());
    } catch {
      const parent = path.dirname(existing);
      if (parent === existing) return path.resolve(p);
      rest.push(path.basename(existing));
      existing = parent;
    }
  }
}

/** True when `inner` is `outer` or lies inside it. */
function within(inner: string, outer: string): boolean {
  const rel = path.relative(outer, inner);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * Refuses an output that would overwrite an input: `out` equal to an input path, inside an input
 * directory, or containing an input (a directory replaced atomically would take the input with
 * it). Call before anything is written.
 *
 * @throws CliError `usage` (exit 2) naming the flag and the input.
 */
export function assertOutputSeparate(flag: string, out: string, inputs: ReadonlyArray<string | undefined>): void {
  const o = canonical(out);
  for (const input of inputs) {
    if (input === undefined || input === '') continue;
    const i = canonical(input);
    if (within(o, i) || within(i, o)) {
      const how = o === i ? 'is' : within(o, i) ? 'is inside' : 'contains';
      throw new CliError('usage', `${flag} ${out} ${how} the input ${input}; write the output elsewhere (inputs are never overwritten)`);
    }
  }
}
