// The ES module half of module-log.mjs: runs on Node's loader thread, logs every resolved URL.
import { appendFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

let file;

export function initialize(data) {
  file = data.file;
}

export async function resolve(specifier, context, nextResolve) {
  const result = await nextResolve(specifier, context);
  appendFileSync(file, `${result.url.startsWith('file:') ? fileURLToPath(result.url) : result.url}\n`);
  return result;
}
