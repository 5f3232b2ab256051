// Where tests find ../shared/fixtures (real data made outside this project; never copied in).
import fs from 'node:fs';
import path from 'node:path';

const here = path.dirname(new URL(import.meta.url).pathname);

/** Absolute path of `../shared/fixtures/<rel>` beside the checkout (OBJSEL_FIXTURES overrides). */
export function fixture(rel: string): string {
  const base = process.env.OBJSEL_FIXTURES ?? path.resolve(here, '../../../shared/fixtures');
  const file = path.join(base, rel);
  if (!fs.existsSync(file)) throw new Error(`fixture ${file} not found: ../shared must sit beside the checkout`);
  return file;
}
