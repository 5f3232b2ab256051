/** Where the demo finds ../shared/fixtures (the real deploy.prototxt and photo). */
import { existsSync } from 'node:fs';
import path from 'node:path';

/** Where ../shared/fixtures is: OBJSEL_FIXTURES, else beside the repository root (searched upwards from the working directory). */
export function findFixture(rel: string): string | undefined {
  const candidates: string[] = [];
  if (process.env.OBJSEL_FIXTURES) candidates.push(path.join(process.env.OBJSEL_FIXTURES, rel));
  for (let dir = path.resolve('.'); ; dir = path.dirname(dir)) {
    candidates.push(path.join(dir, '..', 'shared', 'fixtures', rel), path.join(dir, 'shared', 'fixtures', rel));
    if (path.dirname(dir) === dir) break;
  }
  return candidates.find((p) => existsSync(p));
}

/** Where the real deploy.prototxt is expected: OBJSEL_FIXTURES, else ../shared/fixtures beside the checkout. */
export function defaultPrototxt(): string {
  const candidates = [
    process.env.OBJSEL_FIXTURES && path.join(process.env.OBJSEL_FIXTURES, 'deeplab/deploy.prototxt'),
    path.resolve('../shared/fixtures/deeplab/deploy.prototxt'),
    path.resolve('shared/fixtures/deeplab/deploy.prototxt'),
  ].filter((p): p is string => Boolean(p));
  return candidates.find((p) => existsSync(p)) ?? candidates[0]!;
}
